"""dmgbuild settings.

    dmgbuild -s packaging/macos/dmg_settings.py -D app=PATH "NOC Board" OUT.dmg
"""

import os.path

application = defines.get("app", "dist/NOC Board.app")  # noqa: F821 (dmgbuild defines `defines`)
appname = os.path.basename(application)

format = "UDZO"
size = None
files = [application]
symlinks = {"Applications": "/Applications"}
icon_locations = {appname: (140, 120), "Applications": (500, 120)}
window_rect = ((100, 100), (640, 320))
default_view = "icon-view"
show_icon_preview = False
