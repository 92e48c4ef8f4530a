# Shortcuts for dauth's development tasks. The scripts they call hold the
# logic, so `bash scripts/test.sh` and `bash scripts/demo.sh` work without make.

GO ?= go

# shell:file pairs for the completion scripts under completions/.
COMPLETIONS := bash:dauth.bash zsh:_dauth fish:dauth.fish powershell:dauth.ps1

.PHONY: build test demo completions bench cross

# build: build ./bin/dauth for this machine
build:
	$(GO) build -o bin/dauth .

# test: vet, cross-build and run every test against a real keyring and browser
test:
	bash scripts/test.sh

# demo: sign in and list guilds against the bundled Discord emulator
demo:
	bash scripts/demo.sh

# completions: regenerate the shell completion scripts under completions/
# Each script is written to a temporary file first, so a failed run leaves
# the checked-in file as it was.
completions:
	@mkdir -p completions
	@set -e; for pair in $(COMPLETIONS); do \
		shell=$${pair%%:*}; file=completions/$${pair#*:}; \
		echo "$(GO) run . completion $$shell > $$file"; \
		$(GO) run . completion $$shell > $$file.tmp || { rm -f $$file.tmp; exit 1; }; \
		mv $$file.tmp $$file; \
	done

# bench: start-up time, memory, request counts and the Go benchmarks
bench:
	bash scripts/bench.sh

# cross: check that dauth builds for macOS (arm64) and Windows (amd64)
cross:
	GOOS=darwin GOARCH=arm64 $(GO) build ./...
	GOOS=windows GOARCH=amd64 $(GO) build ./...
