"""`fazhi index train --help`: the defaults it shows are the ones `indexing.train` uses."""
import re

from typer.testing import CliRunner

from indexing.train import CROSS_FOLDS, TOWER_LR, TOWER_SOUP
from web.cli import app


def test_the_help_shows_the_training_defaults_that_train_actually_uses():
    r = CliRunner().invoke(app, ["index", "train", "--help"], env={"COLUMNS": "300"})
    assert r.exit_code == 0, r.output
    shown = {opt: re.search(rf"--{opt}\b.*?\[default: ([^\]]+)\]", r.output).group(1) for opt in ("lr", "folds", "soup")}
    assert float(shown["lr"]) == TOWER_LR
    assert int(shown["folds"]) == CROSS_FOLDS
    assert int(shown["soup"]) == TOWER_SOUP
