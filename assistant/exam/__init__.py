"""Exam builder for trainers: papers for 领导干部任前法律知识考试, 公务员年度学法考试 and 行政执法人员资格考试,
every item generated from a current provision and checked before it ships.

    from assistant.exam import ExamBuilder, preset
    paper = ExamBuilder(store).build(preset("annual"), seed=7)
"""
from .blueprint import PRESETS, Blueprint, ExamError, Section, SourceSpec, parse_sources, preset
from .builder import Bank, ExamBuilder, Paper
from .export import export
from .items import Citation, ExamItem

__all__ = ["Bank", "Blueprint", "Citation", "ExamBuilder", "ExamError", "ExamItem", "PRESETS", "Paper", "Section",
           "SourceSpec", "export", "parse_sources", "preset"]
