#!/usr/bin/env python3
"""Schema coverage: every subcommand that offers --json has docs/schema/<command>.schema.json, the
schema is valid draft 2020-12 with the common versioned fields, and one cheap invocation of each command
validates against it. A new command with --json and no schema fails here; a new command without an entry in
EXAMPLES only skips the output check (its own tests validate it) and says so.

usage: schema_coverage_test.py --cli PATH/TO/lyapcert --schemas DIR [unittest args]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import unittest

import jsonschema

CLI = SCHEMAS = None

# One cheap invocation per command (under a second each); "{csv}" is a small verify input.
EXAMPLES = {
    "lyap1d": ["--law", "atoms(-1, 1/2)", "--lr", "1"],
    "moment": ["--law", "atoms(-1, 1/2)", "--lr", "1", "--p", "2"],
    "demo": [],
    "boundary": ["--law", "atoms(-1, 1/2)", "--lr-min", "1/4", "--lr-max", "8"],
    "phase": ["--lr", "1/10", "--digits", "8"],
    "lyapnd": ["--law", "ginibre(2, 1)"],
    "estimate": ["--law", "ginibre(2, 1)", "--steps", "1000", "--reps", "2", "--threads", "1"],
    "sign": ["--law", "ginibre(2, 1)", "--budget", "20000", "--threads", "1"],
    "verify": ["--against", "{csv}"],
}


def subcommands():
    out = subprocess.run([CLI, "--help"], capture_output=True, text=True, timeout=30).stdout
    names, in_section = [], False
    for line in out.splitlines():
        if line.strip().upper().startswith("SUBCOMMANDS"):
            in_section = True
            continue
        if in_section:
            m = re.match(r"^\s+([a-z][a-z0-9-]*)\b", line)
            if m:
                names.append(m.group(1))
            elif line.strip() and not line.startswith(" "):
                in_section = False
    return names


def has_json_flag(command):
    out = subprocess.run([CLI, command, "--help"], capture_output=True, text=True, timeout=30).stdout
    return re.search(r"(^|\s)--json\b", out) is not None


class SchemaCoverage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.commands = subcommands()
        cls.tmp = tempfile.TemporaryDirectory()
        cls.csv = os.path.join(cls.tmp.name, "rows.csv")
        with open(cls.csv, "w") as f:
            f.write('law,lr,value\n"atoms(-1, 1/2)",1,0\n')

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_found_the_commands(self):
        for known in ("lyap1d", "moment", "demo"):
            self.assertIn(known, self.commands, "could not read the subcommands from `lyapcert --help`")

    def test_every_json_command_has_a_valid_schema_and_its_output_validates(self):
        json_commands = [c for c in self.commands if has_json_flag(c)]
        self.assertIn("lyap1d", json_commands)
        unchecked = []
        for command in json_commands:
            with self.subTest(command=command):
                path = os.path.join(SCHEMAS, f"{command}.schema.json")
                self.assertTrue(os.path.exists(path),
                                f"`lyapcert {command}` has --json but docs/schema/{command}.schema.json is missing")
                with open(path) as f:
                    schema = json.load(f)
                jsonschema.Draft202012Validator.check_schema(schema)
                props = schema.get("properties", {})
                self.assertEqual(props.get("schema", {}).get("const"), 1, f"{command}: no versioned 'schema' field")
                self.assertEqual(props.get("command", {}).get("const"), command, f"{command}: 'command' const")
                self.assertIn("lyapcert_version", schema.get("required", []))
                if command not in EXAMPLES:
                    unchecked.append(command)
                    continue
                args = [a.replace("{csv}", self.csv) for a in EXAMPLES[command]]
                p = subprocess.run([CLI, command, *args, "--json"], capture_output=True, text=True, timeout=120)
                self.assertIn(p.returncode, (0, 3, 4), p.stderr)
                doc = json.loads(p.stdout)
                errors = list(jsonschema.Draft202012Validator(schema).iter_errors(doc))
                self.assertFalse(errors, f"{command}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors))
        if unchecked:
            print(f"schema_coverage: no example invocation for {', '.join(unchecked)} (schemas checked, outputs "
                  f"not); add them to EXAMPLES in {__file__}", file=sys.stderr)


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--cli", required=True)
    ap.add_argument("--schemas", required=True)
    args, rest = ap.parse_known_args()
    CLI, SCHEMAS = os.path.abspath(args.cli), os.path.abspath(args.schemas)
    unittest.main(argv=[sys.argv[0], *rest])
