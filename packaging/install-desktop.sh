#!/bin/sh
# Add this SocialCoder bundle to your desktop's menu and make .scstudy files open in it
# (for you only: under ~/.local/share). "./install-desktop.sh remove" takes it away again.
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/socialcoder" desktop "${1:-install}"
