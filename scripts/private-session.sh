#!/usr/bin/env bash
# Runs a command in a throwaway user session: temporary HOME and XDG directories, and a
# gnome-keyring Secret Service unlocked with a throwaway password on the D-Bus session bus
# that the caller started (dbus-run-session). Never touches the real user's keyring or files.
#   scripts/private-session.sh CMD ARGS...
set -euo pipefail
if [[ -z "${DBUS_SESSION_BUS_ADDRESS:-}" ]]; then
    echo "private-session.sh: run me under dbus-run-session" >&2
    exit 2
fi
session_root="$(mktemp -d /tmp/pontotel-session.XXXXXX)"
trap 'rm -rf "$session_root"' EXIT
export HOME="$session_root/home"
export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" \
       XDG_CACHE_HOME="$HOME/.cache" XDG_RUNTIME_DIR="$session_root/run"
mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
chmod 700 "$XDG_RUNTIME_DIR"
unset DISPLAY WAYLAND_DISPLAY
# Start the keyring and unlock (create) the login collection with a throwaway password.
eval "$(printf 'pontotel-test-keyring' | gnome-keyring-daemon --unlock --components=secrets)"
export GNOME_KEYRING_CONTROL
export PONTOTEL_TEST_PRIVATE_SESSION="$DBUS_SESSION_BUS_ADDRESS"
"$@"
