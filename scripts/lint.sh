#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Checks what the compiler does not: banned functions, layer boundaries
# (DESIGN.md §6), SPDX lines, file sizes, and clang-format cleanliness.
set -u
cd "$(dirname "$0")/.."
fail=0
say() { echo "lint: $*"; fail=1; }

# A check that cannot run is a failure, not a pass: without its tools lint
# would print "clean" having checked nothing.
for tool in git clang-format; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "lint: '$tool' is missing (scripts/setup.sh lint installs it)"
		exit 1
	fi
done
if ! git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	echo "lint: $(pwd) is not a git checkout; lint checks the files git tracks"
	exit 1
fi

banned=$(grep -rnwE 'sprintf|vsprintf|strcpy|strcat|strncpy|gets|atoi|atol|strtok|system' src fuzz bench \
	--include='*.c' --include='*.h' | grep -vE ':\s*(//|/?\*)')
[ -n "$banned" ] && say "banned functions (STYLE.md, Memory):"$'\n'"$banned"

for layer in collect analyze store alert export ui; do
	[ -d "src/$layer" ] || continue
	bad=$(grep -rnE '#include "(collect|analyze|store|alert|export|ui|cli|app)/' "src/$layer" |
		grep -v "#include \"$layer/")
	[ -n "$bad" ] && say "src/$layer may include only model/, base/ and itself:"$'\n'"$bad"
done
for layer in model base; do
	bad=$(grep -rnE '#include "(collect|analyze|store|alert|export|ui|cli|app)/' "src/$layer")
	[ "$layer" = base ] && bad="$bad$(grep -rnE '#include "model/' src/base)"
	[ -n "$bad" ] && say "src/$layer reaches upward:"$'\n'"$bad"
done

for f in $(git ls-files '*.c' '*.h' '*.sh' '*.py' 'meson.build' '*/meson.build'); do
	head -3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || say "no SPDX line: $f"
done

for f in $(git ls-files 'src/*.c'); do
	n=$(wc -l <"$f")
	[ "$n" -gt 1000 ] && say "$f has $n lines; split it (STYLE.md: under ~800)"
done

unformatted=$(git ls-files '*.c' '*.h' | while read -r f; do
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || echo "$f"
done)
[ -n "$unformatted" ] && say "not clang-formatted (make format):"$'\n'"$unformatted"
[ $fail = 0 ] && echo "lint: clean"
exit $fail
