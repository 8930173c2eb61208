#!/bin/sh
# collect-postgres MAJOR OUT BASE_LIBS: copies into OUT only what the embedded
# server needs at run time: the server and client binaries below, the
# modules (without LLVM JIT bitcode), the share files (without man pages), and
# the shared libraries their ldd closure needs that the base image lacks.
# Everything else postgresql-MAJOR drags in (perl wrappers, LLVM, docs)
# stays behind in the build stage.
set -eu
major=$1
out=$2
base_libs=$3
pg=/usr/lib/postgresql/$major

install -d "$out$pg/bin" "$out$pg/lib" "$out/usr/share/postgresql"
for binary in postgres initdb pg_ctl pg_isready psql pg_dump pg_dumpall pg_restore pg_controldata pg_resetwal; do
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
    grep -qxF "$real" "$base_libs" && continue
    install -d "$out${real%/*}"
    cp -a "$real" "$out$real"
    [ "$link" = "$real" ] || cp -a "$link" "$out$link"
  done
