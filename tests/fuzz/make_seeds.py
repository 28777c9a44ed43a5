#!/usr/bin/env python3
"""make_seeds.py - the seed corpus of one fuzz target, made afresh (tests/fuzz/run.sh).

Usage: make_seeds.py TARGET OUT_DIR CONFORMANCE_DIR   (run from the top of the tree)

Prints, one a line, the directories that libFuzzer reads as they are (seeds read in
place: samples/ and the conformance data are never copied), after filling OUT_DIR with
what cannot be read in place:
  csv, xml  symbolic links to the .csv or .xml files of samples/ and the conformance
            data that sit among other files;
  email     one file per address of the conformance verdicts (libFuzzer takes a file
            as one input, and the verdict files hold hundreds), and the email cells of
            samples/;
  fields    one file per cell of samples/: entity byte, field byte, the cell, and one
            per row: entity byte, 0, the cells in schema order joined by 0x1F;
  archive   links to the archives of samples/ and tests/data, and small packages made
            here from samples/onboarding: .zip, .tar.gz and .tar.xz, with and without
            manifest.xml and SHA256SUMS, and hostile ones.
A missing conformance directory is left out with a note on standard error.
"""
import csv
import glob
import hashlib
import io
import json
import os
import sys
import tarfile
import xml.etree.ElementTree as ET
import warnings
import zipfile

ENTITIES = ["accounts", "logins", "contacts", "invoices"]  # enum entity_id order
SINGULAR = {"accounts": "account", "logins": "login", "contacts": "contact",
            "invoices": "invoice"}


def note(msg):
    print("make_seeds: " + msg, file=sys.stderr)


def link(out, path):
    """A symbolic link in OUT to PATH, named after PATH."""
    name = path.replace("/", "_").lstrip("._")
    dest = os.path.join(out, name)
    if not os.path.exists(dest):
        os.symlink(os.path.abspath(path), dest)


def write(out, name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)


def existing(dirs):
    """The directories of DIRS that exist; a note for each one that does not."""
    found = []
    for d in dirs:
        if os.path.isdir(d):
            found.append(d)
        else:
            note("no %s: left out of the seeds" % d)
    return found


def field_order():
    """entity -> its field names in schema order, from the generated schemas/*.xsd."""
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    order = {}
    for e in ENTITIES:
        root = ET.parse("schemas/%s.xsd" % e).getroot()
        for ct in root.findall("xs:complexType", ns):
            if ct.get("name") == SINGULAR[e]:
                order[e] = [el.get("name") for el in ct.iter("{%s}element" % ns["xs"])]
    return order


def sample_rows():
    """(entity, header, rows) of every CSV file of samples/ named after an entity."""
    for path in sorted(glob.glob("samples/**/*.csv", recursive=True)):
        entity = os.path.basename(path)[:-4]
        if entity not in ENTITIES:
            continue
        with open(path, newline="", encoding="utf-8", errors="surrogateescape") as f:
            rows = list(csv.reader(f))
        if rows:
            yield entity, rows[0], rows[1:]


def cell_bytes(s):
    return s.encode("utf-8", errors="surrogateescape")


def seeds_csv(out, conf):
    dirs = existing(["samples/onboarding/csv", conf + "/csv-spectrum/csvs"])
    for path in sorted(glob.glob("samples/bad/*/*.csv")):
        link(out, path)
    for path in sorted(glob.glob(conf + "/commons-csv/CSVFileParser/*.csv")):
        link(out, path)
    return dirs


def seeds_xml(out, conf):
    dirs = existing(["samples/onboarding/xml", conf + "/xml-hardening/defusedxml/xmltestdata"])
    for path in sorted(glob.glob("samples/bad/*/*.xml")):
        link(out, path)
    return dirs


def seeds_email(out, conf):
    addresses = []
    hapi = conf + "/email/hapi-isemail/tests.json"
    if os.path.exists(hapi):
        with open(hapi, encoding="utf-8", errors="surrogatepass") as f:
            for address, _ in json.load(f):
                addresses.append(address.encode("utf-8", errors="surrogatepass"))
    else:
        note("no %s: left out of the seeds" % hapi)
    for name in ("tests.xml", "tests-original.xml"):
        path = conf + "/email/isemail/" + name
        if not os.path.exists(path):
            note("no %s: left out of the seeds" % path)
            continue
        for test in ET.parse(path).getroot().iter("test"):
            a = test.find("address")
            text = (a.text or "") if a is not None else ""
            # control characters are stored as U+2400 + n (the corpus README)
            text = "".join(chr(ord(c) - 0x2400) if 0x2400 <= ord(c) <= 0x241F else c
                           for c in text)
            addresses.append(text.encode("utf-8", errors="surrogatepass"))
    for entity, header, rows in sample_rows():
        if "email" in header:
            i = header.index("email")
            addresses.extend(cell_bytes(r[i]) for r in rows if i < len(r))
    for n, a in enumerate(dict.fromkeys(addresses)):
        write(out, "address-%04d" % n, a)
    return []


def seeds_fields(out, conf):
    order = field_order()
    cells = set()
    rows_out = set()
    for entity, header, rows in sample_rows():
        eid = ENTITIES.index(entity)
        fields = order[entity]
        for row in rows:
            by_field = {}
            for name, value in zip(header, row):
                if name in fields:
                    fi = fields.index(name)
                    cells.add(bytes([eid, fi]) + cell_bytes(value))
                    by_field[fi] = cell_bytes(value)
            last = max(by_field) if by_field else -1
            rows_out.add(bytes([eid, 0]) +
                         b"\x1f".join(by_field.get(i, b"") for i in range(last + 1)))
    for n, c in enumerate(sorted(cells)):
        write(out, "cell-%04d" % n, c)
    for n, r in enumerate(sorted(rows_out)):
        write(out, "row-%04d" % n, r)
    return []


def zip_of(members):
    buf = io.BytesIO()
    warnings.simplefilter("ignore")  # a duplicate member is what a seed wants
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members:
            z.writestr(name, data)
    return buf.getvalue()


def tar_of(members, mode, special=None):
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mtime = 1767225600
            t.addfile(info, io.BytesIO(data))
        for info in special or []:
            t.addfile(info)
    return buf.getvalue()


def with_sums(members, extra=None):
    lines = ["%s  %s\n" % (hashlib.sha256(d).hexdigest(), n) for n, d in members]
    for name in extra or []:
        lines.append("%s  %s\n" % ("0" * 64, name))
    return members + [("SHA256SUMS", "".join(lines).encode())]


def seeds_archive(out, conf):
    for pattern in ("*.zip", "*.tar", "*.tar.gz", "*.tgz", "*.tar.xz"):
        for path in sorted(glob.glob("samples/**/" + pattern, recursive=True) +
                           glob.glob("tests/data/**/" + pattern, recursive=True)):
            link(out, path)
    members = []
    for path in sorted(glob.glob("samples/onboarding/csv/*.csv")):
        with open(path, "rb") as f:
            # the first lines: seeds stay small, and the members still parse
            members.append((os.path.basename(path), b"".join(f.readlines(600))))
    with open("samples/onboarding/xml/contacts.xml", "rb") as f:
        xml_member = ("xml/contacts.xml", b"".join(f.readlines(700)) + b"</contacts>\n")
    manifest = ("manifest.xml", b'<?xml version="1.0"?>\n<manifest/>\n')
    plain = members[:2]
    summed = with_sums(plain + [manifest])
    kinds = {
        "plain": plain,
        "xml-member": [xml_member],
        "all-csv": members,
        "sums": summed,
        "sums-missing-member": with_sums(plain, extra=["gone.csv"]),
        "sums-wrong-digest": plain + [("SHA256SUMS", b"%s  %s\n" % (b"ab" * 32,
                                                                    plain[0][0].encode()))],
        "dotdot": [("../accounts.csv", plain[0][1])],
        "absolute": [("/tmp/accounts.csv", plain[0][1])],
        "not-csv": [("notes.txt", b"hello\n")],
        "duplicate": [plain[0], plain[0]],
    }
    for kind, ms in kinds.items():
        write(out, kind + ".zip", zip_of(ms))
        write(out, kind + ".tar.gz", tar_of(ms, "w:gz"))
    write(out, "sums.tar.xz", tar_of(summed, "w:xz"))
    write(out, "plain.tar", tar_of(plain, "w"))
    sym = tarfile.TarInfo("link.csv")
    sym.type = tarfile.SYMTYPE
    sym.linkname = "/etc/passwd"
    folder = tarfile.TarInfo("csv")
    folder.type = tarfile.DIRTYPE
    write(out, "symlink.tar.gz", tar_of(plain, "w:gz", [sym]))
    write(out, "folder.tar.gz", tar_of([("csv/" + n, d) for n, d in plain], "w:gz", [folder]))
    return []


def main():
    target, out, conf = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    make = {"csv": seeds_csv, "xml": seeds_xml, "email": seeds_email,
            "fields": seeds_fields, "archive": seeds_archive}[target]
    for d in make(out, conf):
        print(d)


if __name__ == "__main__":
    main()
