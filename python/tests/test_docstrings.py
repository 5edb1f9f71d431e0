"""The examples in the docstrings, worked by hand there, run as written."""

import doctest

import chemodose
import chemodose.lines


def test_docstring_examples():
    for module in (chemodose, chemodose.lines):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0, module.__name__
