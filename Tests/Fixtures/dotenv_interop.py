#!/usr/bin/env python3
"""python-dotenv side of DotenvDocumentTests' interoperability tests.

Needs a Python with python-dotenv 1.x (PONTOTEL_TEST_PYTHON). Values never travel on the
command line: `write` reads the value from stdin, `read*` print JSON on stdout (ASCII only,
`null` for a key without a value).

  read FILE              -> {"KEY": "value", ...}            dotenv_values(FILE)
  read-raw FILE          -> the same with interpolate=False
  read-many FILE...      -> {"environ": {...}, "version": "...",
                             "files": [[["KEY", "value"], ...], ...]}
                            dotenv_values of each file as ordered pairs, plus the os.environ
                            that interpolation saw
  write FILE KEY         -> set_key(FILE, KEY, <stdin as UTF-8>) with the default quote_mode
                            ("always"); prints nothing
  unset FILE KEY         -> unset_key(FILE, KEY)
"""

import json
import logging
import os
import sys

import dotenv
from dotenv import dotenv_values, set_key, unset_key


def main(argv):
    # python-dotenv logs "could not parse statement" warnings; the tests expect them.
    logging.getLogger("dotenv").setLevel(logging.ERROR)
    if len(argv) < 2:
        sys.exit(__doc__)
    command, args = argv[1], argv[2:]
    if command == "read" and len(args) == 1:
        print(json.dumps(dotenv_values(args[0])))
    elif command == "read-raw" and len(args) == 1:
        print(json.dumps(dotenv_values(args[0], interpolate=False)))
    elif command == "read-many":
        files = [list(map(list, dotenv_values(path).items())) for path in args]
        print(json.dumps({
            "environ": dict(os.environ),
            "version": getattr(dotenv, "__version__", "") or _version(),
            "files": files,
        }))
    elif command == "write" and len(args) == 2:
        value = sys.stdin.buffer.read().decode("utf-8")
        set_key(args[0], args[1], value)
    elif command == "unset" and len(args) == 2:
        unset_key(args[0], args[1])
    else:
        sys.exit(__doc__)


def _version():
    try:
        from importlib.metadata import version

        return version("python-dotenv")
    except Exception:
        return ""


if __name__ == "__main__":
    main(sys.argv)
