; Inno Setup script for NOC Board (Windows). Build after `pyinstaller build.spec`:
;   iscc /DAppVersion=0.1.0 /DSourceDir=..\..\dist\noc-board packaging\windows\noc-board.iss
; Silent install for IT:  noc-board-setup-0.1.0.exe /VERYSILENT /SUPPRESSMSGBOXES /TASKS="autostart"
; Silent uninstall:       "%ProgramFiles%\NOC Board\unins000.exe" /VERYSILENT
; Signing: when SIGN_COMMAND is set in the environment (e.g. signtool sign /fd sha256 /tr ... $f),
; build with  iscc /DSign ... /S"signcmd=$SIGN_COMMAND"  and both the setup and uninstaller are signed.

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef SourceDir
  #define SourceDir "..\..\dist\noc-board"
#endif

[Setup]
; A stable AppId: upgrades find and replace the previous install. Never change it.
AppId={{6E2B1C9A-4F57-4D7B-9C0E-5B1A2D3F4E61}
AppName=NOC Board
AppVersion={#AppVersion}
AppPublisher=NOC Board
DefaultDirName={autopf}\NOC Board
DefaultGroupName=NOC Board
DisableProgramGroupPage=yes
OutputBaseFilename=noc-board-setup-{#AppVersion}
OutputDir=..\..\dist
Compression=lzma2
SolidCompression=yes
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog
WizardStyle=modern
UninstallDisplayIcon={app}\noc-board.exe
CloseApplications=yes
#ifdef Sign
SignTool=signcmd
SignedUninstaller=yes
#endif

[Tasks]
Name: "desktopicon"; Description: "Create a &desktop shortcut"; GroupDescription: "Shortcuts:"; Flags: unchecked
Name: "autostart"; Description: "Start NOC Board full screen when this user signs in (wall displays)"; GroupDescription: "Wallboard:"; Flags: unchecked

[InstallDelete]
; a clean upgrade: the previous bundle's files go, so no stale Qt plugin or module survives
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#SourceDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\NOC Board"; Filename: "{app}\noc-board.exe"
Name: "{group}\NOC Board (demo)"; Filename: "{app}\noc-board.exe"; Parameters: "--demo"
Name: "{group}\Uninstall NOC Board"; Filename: "{uninstallexe}"
Name: "{autodesktop}\NOC Board"; Filename: "{app}\noc-board.exe"; Tasks: desktopicon
Name: "{userstartup}\NOC Board"; Filename: "{app}\noc-board.exe"; Parameters: "--fullscreen"; Tasks: autostart

[Run]
Filename: "{app}\noc-board.exe"; Parameters: "--demo"; Description: "Start the NOC Board demo"; Flags: nowait postinstall skipifsilent

[UninstallDelete]
Type: filesandordirs; Name: "{app}\_internal"
