# shellcheck shell=bash
# Sourced by bin/demo, bin/test and bin/manage: find uv, or install it with pip, and set UV
# to the command that runs it. `ensure_uv NAME` (NAME prefixes the messages).
#
# pip installs uv into the user's scripts directory (~/.local/bin), which a fresh machine
# often does not have on its PATH: the scripts do not need it there (they look there and
# fall back to `python -m uv`), so every command the README shows works in a new terminal.
# UV_OUTSIDE_PATH is set to the directory holding uv when the PATH given did not reach it.

UV_OUTSIDE_PATH=""

_uv_python() {
    command -v python3.11 || command -v python3
}

ensure_uv() {
    local name=${1:-bin}
    if command -v uv >/dev/null 2>&1; then
        UV=(uv)
        return
    fi
    local python user_bin
    python=$(_uv_python) || {
        echo "$name: Python 3.11 is needed (python3.11 or python3 on the PATH)" >&2
        return 1
    }
    user_bin="$("$python" -c 'import sysconfig; print(sysconfig.get_path("scripts", "posix_user"))' 2>/dev/null || echo "$HOME/.local/bin")"
    if [[ ! -x "$user_bin/uv" ]] && ! "$python" -m uv --version >/dev/null 2>&1; then
        echo "$name: installing uv with pip" >&2
        "$python" -m pip install --quiet --user uv 2>/dev/null \
            || "$python" -m pip install --quiet --user --break-system-packages uv 2>/dev/null \
            || "$python" -m pip install --quiet --break-system-packages uv
    fi
    if [[ -x "$user_bin/uv" ]]; then
        UV=("$user_bin/uv")
        UV_OUTSIDE_PATH=$user_bin
    elif command -v uv >/dev/null 2>&1; then
        UV=(uv)  # pip put it on the PATH (a system-wide install)
    else
        UV=("$python" -m uv)
        UV_OUTSIDE_PATH=$("$python" -c 'import os, uv; print(os.path.dirname(uv.find_uv_bin()))' 2>/dev/null || true)
    fi
}
