#!/usr/bin/env bash
# Build, sign, notarise and staple the macOS dmg. Run on macOS after `pyinstaller build.spec`.
# Everything secret comes from the environment; each step is skipped with a clear message when
# its variables are absent, so an unsigned dmg can still be built for testing.
#   MACOS_CODESIGN_IDENTITY   "Developer ID Application: Example Ltd (TEAMID)"
#   NOTARY_APPLE_ID, NOTARY_TEAM_ID, NOTARY_PASSWORD   (an app-specific password)
#   or NOTARY_KEYCHAIN_PROFILE                         (xcrun notarytool store-credentials)
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(python3 -c "import noc_board; print(noc_board.__version__)")
arch=${MACOS_TARGET_ARCH:-$(uname -m)}
app="dist/NOC Board.app"
dmg="dist/noc-board-${version}-macos-${arch}.dmg"
[ -d "$app" ] || { echo "build the app first: pyinstaller build.spec" >&2; exit 2; }

if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
    codesign --force --deep --timestamp --options runtime \
        --entitlements packaging/macos/entitlements.plist \
        --sign "$MACOS_CODESIGN_IDENTITY" "$app"
    codesign --verify --strict --verbose=2 "$app"
else
    echo "MACOS_CODESIGN_IDENTITY is not set: the app is NOT signed (fine for testing only)."
fi

python3 -m pip install -q dmgbuild
dmgbuild -s packaging/macos/dmg_settings.py -D app="$app" "NOC Board" "$dmg"

if [ -n "${MACOS_CODESIGN_IDENTITY:-}" ]; then
    codesign --timestamp --sign "$MACOS_CODESIGN_IDENTITY" "$dmg"
fi

if [ -n "${NOTARY_KEYCHAIN_PROFILE:-}" ]; then
    xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_KEYCHAIN_PROFILE" --wait
    xcrun stapler staple "$dmg"
elif [ -n "${NOTARY_APPLE_ID:-}" ] && [ -n "${NOTARY_TEAM_ID:-}" ] && [ -n "${NOTARY_PASSWORD:-}" ]; then
    xcrun notarytool submit "$dmg" --apple-id "$NOTARY_APPLE_ID" --team-id "$NOTARY_TEAM_ID" \
        --password "$NOTARY_PASSWORD" --wait
    xcrun stapler staple "$dmg"
else
    echo "No notarisation credentials (NOTARY_KEYCHAIN_PROFILE or NOTARY_APPLE_ID/TEAM_ID/PASSWORD):"
    echo "the dmg is not notarised; Gatekeeper will warn on other Macs."
fi
echo "built $dmg"
