"""Glue shared by the example adapters (contract renkei-adapter/1, see docs/ADAPTER.md).

Each example is renkei's reference adapter with one deliberate vendor bug injected, so that
`renkei certify` can be shown to fail exactly the cases that name the bug. A real adapter
drives the vendor's own software instead; the shape of the program is the same:

    ADAPTER [--renkei PATH] capabilities
    ADAPTER [--renkei PATH] export --unit FILE --out DIR
    ADAPTER [--renkei PATH] import --unit DIR --out FILE

`--renkei PATH` (or the RENKEI environment variable) names the renkei program; renkei makes
a relative path in the adapter command absolute, since every call runs in a fresh folder.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile


def _renkei(argv):
    if len(argv) >= 2 and argv[0] == "--renkei":
        return argv[1], argv[2:]
    return os.environ.get("RENKEI", "renkei"), argv


def _option(args, name):
    try:
        return args[args.index(name) + 1]
    except (ValueError, IndexError):
        sys.exit(f"usage: --unit and --out are required (got {args})")


def _reference(renkei, *args):
    r = subprocess.run([renkei, "adapter", *args], stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        sys.exit(r.returncode)


def run(product, export_fault=None, import_files_fault=None, import_json_fault=None):
    """Runs one adapter call; each fault is a function applied at its point of the flow."""
    renkei, args = _renkei(sys.argv[1:])
    if not args:
        sys.exit("usage: ADAPTER capabilities | export --unit FILE --out DIR | import --unit DIR --out FILE")
    sub = args[0]
    if sub == "capabilities":
        out = subprocess.run([renkei, "adapter", "capabilities"], capture_output=True, check=True)
        caps = json.loads(out.stdout)
        caps.update({"vendor": "renkei examples", "product": product, "version": "1.0"})
        print(json.dumps(caps, ensure_ascii=False))
    elif sub == "export":
        unit, out = _option(args, "--unit"), _option(args, "--out")
        _reference(renkei, "export", "--unit", unit, "--out", out)
        if export_fault:
            for name in sorted(os.listdir(out)):
                path = os.path.join(out, name)
                with open(path, "rb") as f:
                    data = f.read()
                with open(path, "wb") as f:
                    f.write(export_fault(name, data))
    elif sub == "import":
        unit, out = _option(args, "--unit"), _option(args, "--out")
        with tempfile.TemporaryDirectory() as tmp:
            for name in os.listdir(unit):
                with open(os.path.join(unit, name), "rb") as f:
                    data = f.read()
                if import_files_fault:
                    data = import_files_fault(name, data)
                with open(os.path.join(tmp, name), "wb") as f:
                    f.write(data)
            _reference(renkei, "import", "--unit", tmp, "--out", out)
        if import_json_fault:
            with open(out, encoding="utf-8") as f:
                answer = json.load(f)
            if "rejected" not in answer:
                answer = import_json_fault(answer)
            with open(out, "w", encoding="utf-8") as f:
                json.dump(answer, f, ensure_ascii=False, indent=2)
    else:
        sys.exit(89)


def is_csv(name):
    return name.upper().endswith(".CSV")


def map_values(unit, f):
    """Applies f to every value of every record of a canonical JSON send unit."""
    for file in unit.get("files", []):
        for record in file.get("records", []):
            for key in record:
                record[key] = f(record[key])
    return unit


def ms932_chars(data):
    """Splits MS932 bytes into characters (a lead byte 81-9F or E0-FC takes the next byte)."""
    i = 0
    while i < len(data):
        b = data[i]
        width = 2 if (0x81 <= b <= 0x9F or 0xE0 <= b <= 0xFC) and i + 1 < len(data) else 1
        yield data[i:i + width]
        i += width


def records(data):
    """Splits CSV bytes into records (quotes respected; 0x22, 0x2C, CR and LF are never MS932
    trail bytes, so a byte scan is safe). Each record keeps its line ending."""
    out, start, quoted, i = [], 0, False, 0
    while i < len(data):
        c = data[i]
        if c == 0x22:
            quoted = not quoted
        elif not quoted and c in (0x0D, 0x0A):
            end = i + 2 if data[i:i + 2] == b"\r\n" else i + 1
            out.append(data[start:end])
            start = i = end
            continue
        i += 1
    if start < len(data):
        out.append(data[start:])
    return out


def fields(record):
    """Splits one record (without its line ending) into raw fields, quotes kept."""
    out, start, quoted = [], 0, False
    for i, c in enumerate(record):
        if c == 0x22:
            quoted = not quoted
        elif c == 0x2C and not quoted:
            out.append(record[start:i])
            start = i + 1
    out.append(record[start:])
    return out


def split_ending(record):
    body = record.rstrip(b"\r\n")
    return body, record[len(body):]


def map_fields(name, data, f):
    """Rewrites every record of a CSV file: f takes the record's raw fields (quotes kept) and
    returns the fields to write; line endings are kept. Other files pass unchanged."""
    if not is_csv(name):
        return data
    out = b""
    for rec in records(data):
        body, ending = split_ending(rec)
        out += b",".join(f(fields(body))) + ending
    return out
