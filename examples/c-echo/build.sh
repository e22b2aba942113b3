#!/bin/sh
# Builds the C actor without stratus (the same flags `stratus build` uses), then signs it if
# stratus is available. Needs clang and lld (Debian/Ubuntu: apt-get install clang lld).
set -e
cd "$(dirname "$0")"
mkdir -p build
clang --target=wasm32 -nostdlib -O2 -Wall -Werror=implicit-function-declaration \
  -Wl,--no-entry -Wl,--export-if-defined=__guest_call -Wl,--export-if-defined=__wasmbus_rpc_version \
  -o build/c_echo.wasm src/actor.c
echo "built build/c_echo.wasm (unsigned)"
if command -v stratus >/dev/null 2>&1; then stratus build; fi
