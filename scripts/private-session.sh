#!/usr/bin/env bash
# Runs a command in a throwaway user session: a temporary HOME and XDG directories, a private
# D-Bus session bus without service activation (nothing can start from the real user's setup),
# and gnome-keyring's Secret Service on it, unlocked with a throwaway password. Never touches
# the real user's keyring or files; everything is removed afterwards.
#   scripts/private-session.sh CMD ARGS...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if [[ "${PONTOTEL_PRIVATE_SESSION_STAGE:-}" != inner ]]; then
    session_root="$(mktemp -d /tmp/pontotel-session.XXXXXX)"
    trap 'rm -rf "$session_root"' EXIT
    export HOME="$session_root/home"
    export XDG_CONFIG_HOME="$HOME/.config" XDG_DATA_HOME="$HOME/.local/share" \
           XDG_CACHE_HOME="$HOME/.cache" XDG_RUNTIME_DIR="$session_root/run"
    mkdir -p "$HOME" "$XDG_CONFIG_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME" "$XDG_RUNTIME_DIR"
    chmod 700 "$XDG_RUNTIME_DIR"
    unset DISPLAY WAYLAND_DISPLAY DBUS_SESSION_BUS_ADDRESS GNOME_KEYRING_CONTROL
    sed "s|@LISTEN@|unix:dir=$session_root|" "$here/private-bus.conf.in" > "$session_root/bus.conf"
    PONTOTEL_PRIVATE_SESSION_STAGE=inner dbus-run-session --config-file="$session_root/bus.conf" -- "$here/private-session.sh" "$@"
    exit $?
fi

unset PONTOTEL_PRIVATE_SESSION_STAGE
# Start the keyring and unlock (create) the login collection with a throwaway password.
printf 'pontotel-test-keyring' | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
keyring_pid=$!
for _ in $(seq 100); do
    gdbus call --session --dest org.freedesktop.DBus --object-path /org/freedesktop/DBus \
        --method org.freedesktop.DBus.NameHasOwner org.freedesktop.secrets 2>/dev/null | grep -q true && break
    sleep 0.05
done
export PONTOTEL_TEST_PRIVATE_SESSION="$DBUS_SESSION_BUS_ADDRESS"
status=0
"$@" || status=$?
kill "$keyring_pid" 2>/dev/null || true
wait "$keyring_pid" 2>/dev/null || true
exit $status
