#!/bin/sh
# collect-postgres MAJOR OUT PROVIDED BINARY...: copies into OUT only what
# PostgreSQL MAJOR needs at run time: the BINARYs, the modules (without LLVM
# JIT bitcode), the share files (without man pages), and the shared
# libraries of their ldd closure that PROVIDED (a list of library paths the
# image has without OUT) lacks. Everything else postgresql-MAJOR drags in
# (perl wrappers, LLVM, docs) stays behind in the build stage. An older
# major's server, from an older Debian release, reuses the image's own
# library of the same soname (the soname is the compatibility promise) and
# brings only those the image lacks.
set -eu
major=$1
out=$2
provided=$3
shift 3
pg=/usr/lib/postgresql/$major

install -d "$out$pg/bin" "$out$pg/lib" "$out/usr/share/postgresql"
for binary in "$@"; do
  cp -a "$pg/bin/$binary" "$out$pg/bin/"
done
for module in "$pg"/lib/*; do
  case "${module##*/}" in
    llvmjit* | bitcode | pgxs) ;;
    *) cp -a "$module" "$out$pg/lib/" ;;
  esac
done
cp -a "/usr/share/postgresql/$major" "$out/usr/share/postgresql/"
rm -rf "$out/usr/share/postgresql/$major/man"

find "$out" -type f \( -perm -u+x -o -name '*.so*' \) -exec ldd {} + 2>/dev/null |
  awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
  while read -r lib; do
    # Merged /usr: /lib is a link to /usr/lib, so compare canonical paths.
    real=$(readlink -f "$lib")
    link="$(readlink -f "${lib%/*}")/${lib##*/}"
    grep -qxF -e "$link" -e "$real" "$provided" && continue
    install -d "$out${real%/*}"
    cp -a "$real" "$out$real"
    [ "$link" = "$real" ] || cp -a "$link" "$out$link"
  done
