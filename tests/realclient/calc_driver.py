"""Types answers into Excel forms in LibreOffice Calc with LibreOffice's own key events.

Run by Debian's /usr/bin/python3 (python3-uno), not the project's interpreter:
    python3 calc_driver.py JOBS.json PORT PROFILE_DIR
The caller gives soffice its locale (LANG, LOCPATH, and the profile's ooSetupSystemLocale):
Calc reads a typed date the way that locale orders day and month. JOBS.json is a list of
{"in": xlsx, "out": xlsx, "cells": {defined name: [route, text]}}. Each named input cell is
clicked (selected), then the text entered through Calc's cell input path (route "type") or
put on the clipboard and pasted with Edit > Paste (route "paste"); what the cell then shows
is recorded. Prints one JSON line: per job, {"shown": {name: text shown}}.
"""

import contextlib
import json
import sys
from pathlib import Path

import uno
from writer_driver import Text, connect, pv


def main():
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    port, profile = sys.argv[2], sys.argv[3]
    proc, ctx = connect(port, profile)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    dispatcher = smgr.createInstanceWithContext("com.sun.star.frame.DispatchHelper", ctx)
    clip = smgr.createInstanceWithContext(
        "com.sun.star.datatransfer.clipboard.SystemClipboard", ctx)
    report = []
    try:
        for job in jobs:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(job["in"]), "_blank", 0, (pv("Hidden", True),))
            ctrl = doc.getCurrentController()
            frame = ctrl.getFrame()
            shown = {}
            for name, (route, text) in job["cells"].items():
                cell = doc.NamedRanges.getByName(name).getReferredCells().getCellByPosition(0, 0)
                ctrl.select(cell)
                if route == "paste":
                    clip.setContents(Text(text), None)
                    dispatcher.executeDispatch(frame, ".uno:Paste", "", 0, ())
                else:
                    # the cell input line's own path (ScViewFunc::EnterData): what a person's
                    # typing and Enter go through, with the locale's date acceptance patterns
                    dispatcher.executeDispatch(frame, ".uno:EnterString", "", 0,
                                               (pv("StringName", text),))
                shown[name] = cell.getString()
            doc.storeToURL(uno.systemPathToFileUrl(job["out"]),
                           (pv("FilterName", "Calc MS Excel 2007 XML"),))
            # no doc.close(): closing a hidden Calc document aborts soffice 7.4 here; the
            # documents go with soffice at the end
            report.append({"shown": shown})
        print(json.dumps(report))
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        try:
            proc.wait(timeout=60)
        except Exception:
            proc.kill()


if __name__ == "__main__":
    main()
