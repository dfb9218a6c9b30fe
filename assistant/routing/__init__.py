"""Dispute intake routing: facts, dates and deadlines, statutory rules, the learned model, the router."""
from __future__ import annotations

from .channels import CHANNELS
from .router import Route, Router, RoutingInputError, validate_text

__all__ = ["CHANNELS", "Route", "Router", "RoutingInputError", "validate_text"]
