#!/usr/bin/env bash
# Translation freshness: the committed .po files hold exactly the messages of the code, the
# Vietnamese one translates all of them, and the committed .mo files are compiled from them.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cp -r portal/locale "$tmp/before"
restore() { rm -rf portal/locale && cp -r "$tmp/before" portal/locale && rm -rf "$tmp"; }
trap restore EXIT

ids() { msgcat --no-location --no-wrap --sort-output "$1" | grep -E '^msgid ' | sort; }

DEBUG=1 .venv/bin/python manage.py makemessages -l vi -l en --no-wrap --ignore=.venv --ignore=.tools --ignore=var \
  --ignore=tests --ignore=bench -v0
status=0
for lang in vi en; do
  po=LC_MESSAGES/django.po
  if ! diff <(ids "$tmp/before/$lang/$po") <(ids "portal/locale/$lang/$po") >"$tmp/diff-$lang"; then
    echo "ERROR: portal/locale/$lang/$po is stale; run 'make messages'. Differences:" >&2
    head -n 20 "$tmp/diff-$lang" >&2
    status=1
  fi
  msgfmt -o "$tmp/$lang.mo" "$tmp/before/$lang/$po"
  if ! cmp -s "$tmp/$lang.mo" "$tmp/before/$lang/LC_MESSAGES/django.mo"; then
    echo "ERROR: portal/locale/$lang/LC_MESSAGES/django.mo is not compiled from its .po." >&2
    status=1
  fi
done
stats=$(msgfmt --check --statistics -o /dev/null "$tmp/before/vi/LC_MESSAGES/django.po" 2>&1)
if echo "$stats" | grep -qE 'untranslated|fuzzy'; then
  echo "ERROR: the Vietnamese translation is incomplete: $stats" >&2
  status=1
fi
[ $status -eq 0 ] && echo "Translations are fresh: vi $stats"
exit $status
