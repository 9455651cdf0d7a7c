# SPDX-License-Identifier: GPL-2.0-only
"""The argument parser of the report scripts (report.py, reproduce.py, nightly.py).

argparse's own error() prints the whole usage and the message on several lines; pagebench's
rule for bad input is one line naming the option, exit status 2 (docs/bad-input-corpus.md),
the same as every C subcommand. --help still prints the full usage.
"""
import argparse
import sys


class ArgumentParser(argparse.ArgumentParser):
    def error(self, message):
        """One line, "PROG: MESSAGE (see PROG --help)", and exit 2."""
        print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        sys.exit(2)
