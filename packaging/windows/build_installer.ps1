# Build the Windows installer after `pyinstaller build.spec`. Needs Inno Setup 6 (iscc on PATH).
# Signing: set SIGN_COMMAND to a signtool command line with $f for the file, e.g.
#   $env:SIGN_COMMAND = 'signtool sign /fd sha256 /tr http://timestamp.example /td sha256 /a $f'
# Without it the installer is built unsigned, and this script says so.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")
$version = python -c "import noc_board; print(noc_board.__version__)"
$args = @("/DAppVersion=$version", "/DSourceDir=..\..\dist\noc-board")
if ($env:SIGN_COMMAND) {
    if ($env:SIGN_COMMAND -like '*$f*') {
        $args += "/DSign"
        $args += "/Ssigncmd=$($env:SIGN_COMMAND)"
    } else {
        throw "SIGN_COMMAND must contain `$f where the file to sign goes"
    }
} else {
    Write-Host "SIGN_COMMAND is not set: building an UNSIGNED installer (SmartScreen will warn)."
}
iscc @args packaging\windows\noc-board.iss
