#!/bin/sh
# check-base IMAGE SUPPORTED: the first step of every stage built on
# base-image. Fails the build in one line when the base is not of the Debian
# family (its /etc/os-release names neither debian nor ubuntu in ID or
# ID_LIKE), before apt-get or useradd could fail less clearly.
set -eu
ID=
ID_LIKE=
# shellcheck source=/dev/null
[ ! -r /etc/os-release ] || . /etc/os-release
case " $ID $ID_LIKE " in
  *" debian "* | *" ubuntu "*) ;;
  *)
    echo "aio-image: base-image $1 is ${ID:-not a Linux with /etc/os-release}${ID_LIKE:+ (like $ID_LIKE)}, which is not supported; expected $2" >&2
    exit 1
    ;;
esac
