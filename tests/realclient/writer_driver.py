"""Types answers into Word forms in LibreOffice Writer with LibreOffice's own key events.

Run by Debian's /usr/bin/python3 (python3-uno), not the project's interpreter:
    python3 writer_driver.py JOBS.json PORT PROFILE_DIR
JOBS.json is a list of {"in": docx, "out": docx, "boxes": {bookmark: [step, ...]}}; a step:
["type", text] (the UI-test TYPE action, as key presses), ["key", "SHIFT+RETURN"] (one key
chord), ["paste", text] (the text put on the clipboard, then Edit > Paste) or ["toggle"]
(a tick box clicked; see `click`). Each box is first "clicked": its whole content
selected, as Writer selects a placeholder when a person clicks it. Prints one JSON line
with what was done per job.
"""

import contextlib
import json
import subprocess
import sys
import time
from pathlib import Path

import uno
import unohelper
from com.sun.star.beans import PropertyValue
from com.sun.star.datatransfer import DataFlavor, XTransferable


def pv(name, value):
    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


class Text(unohelper.Base, XTransferable):
    """Plain text on the clipboard, as another program puts it there."""

    def __init__(self, text):
        self.text = text
        self.flavor = DataFlavor()
        self.flavor.MimeType = "text/plain;charset=utf-16"
        self.flavor.HumanPresentableName = "Unicode-Text"
        self.flavor.DataType = uno.getTypeByName("string")

    def getTransferData(self, flavor):
        return self.text

    def getTransferDataFlavors(self):
        return (self.flavor,)

    def isDataFlavorSupported(self, flavor):
        return flavor.MimeType.startswith("text/plain")


def connect(port, profile, env=None):
    """Start soffice with its own profile (its messages to PROFILE.log); its context."""
    with Path(profile + ".log").open("ab") as log:
        proc = subprocess.Popen(
            ["soffice", "--headless", "--norestore", "--nologo", "--nodefault",
             "-env:UserInstallation=" + uno.systemPathToFileUrl(profile),
             f"--accept=socket,host=127.0.0.1,port={port};urp;"],
            stdout=subprocess.DEVNULL, stderr=log, env=env)
    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local)
    for _ in range(400):
        try:
            return proc, resolver.resolve(
                f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
        except Exception:
            if proc.poll() is not None:
                break
            time.sleep(0.25)
    proc.kill()
    sys.exit("could not connect to LibreOffice")


def paragraphs(text):
    en = text.createEnumeration()
    while en.hasMoreElements():
        el = en.nextElement()
        if el.supportsService("com.sun.star.text.TextTable"):
            for name in el.getCellNames():
                yield from paragraphs(el.getCellByName(name).getText())
        else:
            yield el


def controls(doc, wanted):
    """bookmark name -> the content control that follows (or holds) it."""
    found, last = {}, None
    for par in list(paragraphs(doc.getText())):
        portions = par.createEnumeration()
        while portions.hasMoreElements():
            portion = portions.nextElement()
            kind = portion.TextPortionType
            if kind == "Bookmark" and portion.IsStart:
                last = portion.Bookmark.getName()
            elif kind in ("ContentControl", "TextField") and last in wanted:
                found[last] = (kind, portion)
                last = None
    return found


def click(cc):
    """A click on a tick box, as Writer 7.4 does it (SwWrtShell::GotoContentControl): the
    state flips and the glyph is replaced. The UI test has no mouse click on the text
    (its CLICK action aborts soffice 7.4) and Space does not tick, so this is the API."""
    old = cc.getAnchor().getString()
    cc.Checked = not cc.Checked
    cc.setString(cc.CheckedState if cc.Checked else cc.UncheckedState)
    anchor = cc.getAnchor()
    cursor = anchor.getText().createTextCursorByRange(anchor.getEnd())
    cursor.goLeft(len(old), True)
    cursor.setString("")


def main():
    jobs = json.loads(Path(sys.argv[1]).read_text(encoding="utf-8"))
    port, profile = sys.argv[2], sys.argv[3]
    proc, ctx = connect(port, profile)
    smgr = ctx.ServiceManager
    desktop = smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
    uitest = smgr.createInstanceWithContext("org.libreoffice.uitest.UITest", ctx)
    clip = smgr.createInstanceWithContext(
        "com.sun.star.datatransfer.clipboard.SystemClipboard", ctx)
    report = []
    try:
        for job in jobs:
            doc = desktop.loadComponentFromURL(
                uno.systemPathToFileUrl(job["in"]), "_default", 0, ())
            ctrl = doc.getCurrentController()
            edit = uitest.getTopFocusWindow().getChild("writer_edit")
            boxes = job["boxes"]
            found = controls(doc, set(boxes))
            done, kinds = 0, {}
            for name, steps in boxes.items():
                if name not in found:
                    continue
                kind, portion = found[name]
                kinds[name] = kind
                anchor = portion.ContentControl.getAnchor() if kind == "ContentControl" else portion
                ctrl.select(anchor)  # a click on a placeholder selects all of it
                for step in steps:
                    if step[0] == "type":
                        edit.executeAction("TYPE", (pv("TEXT", step[1]),))
                    elif step[0] == "key":
                        edit.executeAction("TYPE", (pv("KEYCODE", step[1]),))
                    elif step[0] == "paste":
                        clip.setContents(Text(step[1]), None)
                        uitest.executeCommand(".uno:Paste")
                    elif step[0] == "toggle":
                        click(portion.ContentControl)
                done += 1
            doc.storeToURL(uno.systemPathToFileUrl(job["out"]),
                           (pv("FilterName", "MS Word 2007 XML"),))
            doc.close(True)
            report.append({"boxes": len(boxes), "typed": done, "kinds": kinds})
        print(json.dumps(report))
    finally:
        with contextlib.suppress(Exception):
            desktop.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()


if __name__ == "__main__":
    main()
