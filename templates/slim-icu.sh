#!/bin/sh
# slim-icu DIR: replaces the ICU data library under DIR (32 MB for ICU 76)
# with one carrying only what PostgreSQL uses: collation data, converters,
# break rules, locale metadata and English display names (for initdb's
# collation comments). Time-zone, currency and unit names, transliteration,
# number spelling, Unicode character names and other languages' display
# names go: PostgreSQL never asks ICU for them. The result is the same
# common-data package under the same symbol, re-linked as a data-only
# library, so libicuuc loads it unchanged.
set -eu
dir=$1
lib=$(find "$dir" -type f -name 'libicudata.so.*.*' | head -n 1)
[ -n "$lib" ] || exit 0
symbol=$(readelf --dyn-syms -W "$lib" | awk '$8 ~ /^icudt[0-9]+_dat$/ { print $8 }')
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
# icupkg wants the package file named after the package (icudt76l.dat).
package=${symbol%_dat}l
work=$(mktemp -d)
mkdir "$work/full" "$work/slim"
full=$work/full/$package.dat
slim=$work/slim/$package.dat
objcopy -O binary --only-section=.rodata "$lib" "$full"
icupkg -l "$full" | awk -F/ '
  $1 ~ /^(zone|curr|unit|translit|rbnf)$/ { print; next }
  $0 == "unames.icu" { print; next }
  ($1 == "lang" || $1 == "region") && $2 !~ /^(root|en|pool|res_index)\.res$/ { print }
' >"$work/remove.lst"
icupkg -r "$work/remove.lst" "$full" "$slim"
cat >"$work/data.s" <<ASM
  .section .rodata
  .balign 16
  .globl $symbol
  .type $symbol, @object
$symbol:
  .incbin "$slim"
  .size $symbol, . - $symbol
  .section .note.GNU-stack,"",@progbits
ASM
as -o "$work/data.o" "$work/data.s"
ld -shared -z noexecstack -soname "$soname" -o "$lib" "$work/data.o"
echo "slim-icu: removed $(wc -l <"$work/remove.lst") items, $(stat -c %s "$full") -> $(stat -c %s "$slim") bytes"
rm -rf "$work"
