#!/usr/bin/env bash
# The cross compilers and crypto headers that scripts/device-size.js builds
# the device library (device/arduino/WsnCrypto) with: Debian's GCC for the
# ESP8266's Xtensa lx106 and for RISC-V (the ESP32-C3), picolibc for each
# (its C headers and specs), and the headers of BearSSL (the ESP8266 core's
# crypto) and mbedTLS (the ESP32 core's). Each package is installed only when
# a file it provides is missing: a no-op on a warm machine.
set -euo pipefail

# package -> a file that shows it is installed
declare -A probe=(
  [libbearssl-dev]=/usr/include/bearssl/bearssl.h
  [libmbedtls-dev]=/usr/include/mbedtls/aes.h
  [gcc-xtensa-lx106]=/usr/bin/xtensa-lx106-elf-g++
  [picolibc-xtensa-lx106-elf]=/usr/lib/xtensa-lx106-elf/picolibc.specs
  [gcc-riscv64-unknown-elf]=/usr/bin/riscv64-unknown-elf-g++
  [picolibc-riscv64-unknown-elf]=/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs
)

missing=()
for package in libbearssl-dev libmbedtls-dev gcc-xtensa-lx106 picolibc-xtensa-lx106-elf \
  gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf; do
  [ -e "${probe[$package]}" ] || missing+=("$package")
done
[ "${#missing[@]}" -eq 0 ] && exit 0

echo "setup: installing ${missing[*]} (the device library's cross builds, once)" >&2
sudo=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
# Another apt (unattended upgrades on a fresh CI machine) may hold the lock.
$sudo apt-get -o DPkg::Lock::Timeout=300 update -qq
$sudo apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

for package in "${missing[@]}"; do
  if [ ! -e "${probe[$package]}" ]; then
    echo "setup: $package installed but ${probe[$package]} is still missing" >&2
    exit 1
  fi
done
