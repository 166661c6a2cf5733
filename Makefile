# coffer: review archived chats and email without plaintext on disk.
# `make help` lists the targets.

GO       ?= go
BIN      := bin/coffer
FUZZTIME ?= 30s
# make ci fuzzes each target briefly; make fuzz for longer runs.
CI_FUZZTIME ?= 2s
BENCH_N  ?= 1000000
# Sizes run side by side with notmuch (the peer), which indexes ~1,600
# msgs/s here: the 1M run adds ~15 minutes.
NOTMUCH_N ?= 100000 1000000
# MiB of export per format for the end-to-end import table (bench-import):
# at 1024, about 2 CPU-hours on 2 cores (3 h idle, 7 h on a loaded machine).
IMPORT_BENCH_MB ?= 1024
# Messages in the vault of the one-shot commands table (bench-scale).
SCALE_N ?= 100000 1000000
DEMO     := demo

.PHONY: help build test s3server ci vet fmt staticcheck cross fuzz fuzz-short fuzz-run bench bench-import bench-scale bench-s3 demo demo-vault golden itest clean

help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

build: ## build bin/coffer
	$(GO) build -o $(BIN) ./cmd/coffer

# The S3-compatible server the tests run (Versity Gateway), from its own
# module so that it never enters coffer's; built once, then cached.
S3SERVER := .ci/bin/versitygw

test: $(S3SERVER) ## run every test: unit, golden views, CLI scripts, crash trials, tmux end-to-end, the vault on a folder and on S3
	$(GO) test -timeout 30m ./...
	COFFER_TEST_STORE=s3 $(GO) test -timeout 30m ./vault/ ./vault/audit/

s3server: $(S3SERVER) ## build the S3-compatible server the tests start (versitygw, into .ci/bin)

$(S3SERVER): .ci/s3server/go.mod .ci/s3server/go.sum
	cd .ci/s3server && $(GO) build -o ../bin/versitygw github.com/versity/versitygw/cmd/versitygw

itest: ## the tmux end-to-end tests alone (three flows, hostile text, the newcomer's path at 80×24 and 160×50)
	$(GO) test ./cmd/coffer/ -run "TestE2ETmux|TestE2ENewcomer" -count=1 -v

golden: ## rewrite the TUI's golden views after a deliberate change (review the diff)
	$(GO) test ./ui/ ./ui/keymap/ -update

ci: vet fmt staticcheck cross test fuzz-short ## what .ci/run runs on a clean checkout

vet: ## go vet
	$(GO) vet ./...

fmt: ## fail if any file needs gofmt
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

staticcheck: ## staticcheck, pinned by the tool line in go.mod
	$(GO) tool staticcheck ./...

# The systems coffer supports besides Linux, each with its own hardening
# (cmd/coffer/harden_<os>.go; SECURITY.md T6).
CROSS ?= darwin/arm64 darwin/amd64 freebsd/amd64
# The code differs by system, not by architecture: vet once per system.
CROSS_VET ?= darwin/arm64 freebsd/amd64

cross: ## go build for macOS and FreeBSD (CROSS), go vet once per system (CROSS_VET)
	@set -e; for p in $(CROSS); do \
	  echo "cross $$p"; \
	  GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) build ./...; \
	  case " $(CROSS_VET) " in *" $$p "*) GOOS=$${p%/*} GOARCH=$${p#*/} $(GO) vet ./...;; esac; \
	done

fuzz: ## run every fuzz target for FUZZTIME (default 30s) each
	@$(MAKE) --no-print-directory fuzz-run T=$(FUZZTIME)

fuzz-short:
	@$(MAKE) --no-print-directory fuzz-run T=$(CI_FUZZTIME)

fuzz-run:
	@set -e; for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
	    echo "fuzz $$pkg $$f ($(T))"; \
	    if ! $(GO) test $$pkg -run '^$$' -fuzz "^$$f$$" -fuzztime $(T) -fuzzminimizetime 5s >/tmp/coffer-fuzz.log 2>&1; then \
	      if grep -q 'context deadline exceeded' /tmp/coffer-fuzz.log && ! grep -q 'Failing input written' /tmp/coffer-fuzz.log; then \
	        echo "  (go's fuzzer timed out a busy worker at the deadline; no failing input: not a finding)"; \
	      else cat /tmp/coffer-fuzz.log; exit 1; fi; \
	    fi; \
	  done; \
	done

bench: ## every benchmark; vault and index on generated corpora of BENCH_N messages (default 1M)
	COFFER_BENCH_N=$(BENCH_N) $(GO) test ./vault/ -run '^$$' -bench . -benchtime 1x -timeout 60m
	$(GO) test ./vault/ingest/ -run '^$$' -bench . -benchtime 1x -benchmem -timeout 30m
	$(GO) test ./vault/audit/ -run '^$$' -bench 'Append$$|FsyncFloor|AppendCPU|Open' -benchtime 2000x -timeout 30m
	$(GO) test ./vault/audit/ -run '^$$' -bench 'Verify' -benchtime 1x -timeout 30m
	$(GO) test ./index/ -run '^$$' -bench 'Build|Query|SetTags|Prebuilt|VaultSearchable|Policies' -benchtime 1x -timeout 60m -args -bench.n=$(BENCH_N)
	$(GO) test ./index/ -run '^$$' -bench 'ImportRSS' -benchtime 1x -timeout 30m
	COFFER_BENCH_N=100000 $(GO) test ./vault/access/ -run '^$$' -bench Produce -benchtime 1x -timeout 60m
	command -v notmuch >/dev/null || (apt-get update -qq && apt-get install -y -qq notmuch)
	for n in $(NOTMUCH_N); do $(GO) test ./index/ -run '^$$' -bench 'Build|Query|Notmuch' -benchtime 1x -timeout 90m -args -bench.n=$$n || exit 1; done
	$(GO) test ./ui/ -run '^$$' -bench . -benchtime 2000x -timeout 60m
	@$(MAKE) --no-print-directory bench-import

bench-scale: ## one-shot coffer search/stats in fresh processes at SCALE_N messages, next to notmuch: a Markdown table per size
	command -v notmuch >/dev/null || (apt-get update -qq && apt-get install -y -qq notmuch)
	for n in $(SCALE_N); do COFFER_SCALE_N=$$n $(GO) test ./cmd/coffer/ -run '^$$' -bench Scale -benchtime 1x -timeout 4h || exit 1; done

bench-s3: $(S3SERVER) ## bench-scale with the vault in a bucket of versitygw on loopback, then in a folder, at SCALE_N: compare the tables
	for n in $(SCALE_N); do COFFER_SCALE_STORE=s3 COFFER_SCALE_N=$$n $(GO) test ./cmd/coffer/ -run '^$$' -bench Scale -benchtime 1x -timeout 4h || exit 1; \
	  COFFER_SCALE_N=$$n $(GO) test ./cmd/coffer/ -run '^$$' -bench Scale -benchtime 1x -timeout 4h || exit 1; done

bench-import: ## coffer import end to end per format at IMPORT_BENCH_MB MiB (default 1024), next to notmuch new: a Markdown table
	command -v notmuch >/dev/null || (apt-get update -qq && apt-get install -y -qq notmuch)
	COFFER_IMPORT_BENCH_MB=$(IMPORT_BENCH_MB) $(GO) test ./cmd/coffer/ -run '^$$' -bench ImportFormats -benchtime 1x -timeout 12h

demo: build demo-vault ## build, make a demo vault from testdata/demo, and open it in the TUI
	@echo
	@echo "Demo vault in $(DEMO)/vault. Unlock it with the passphrase in $(DEMO)/passphrase.txt"
	@echo "(correct horse battery staple); the auditor key is $(DEMO)/auditor.key."
	@echo
	@echo "Opening it now ('?' for keys, 'q' to quit). Later: $(BIN) review $(DEMO)/vault"
	@echo "The auditor's screen: $(BIN) audit $(DEMO)/vault --identity $(DEMO)/auditor.key"
	@sleep 2
	@$(BIN) review $(DEMO)/vault --demo-hint "Demo: the passphrase is 'correct horse battery staple' ($(DEMO)/passphrase.txt); the auditor key is $(DEMO)/auditor.key"

# The demo vault alone, with whatever $(BIN) is: the tmux newcomer test
# (cmd/coffer TestE2ENewcomer) builds its vault with this very recipe.
demo-vault:
	@rm -rf $(DEMO) && mkdir -p $(DEMO)
	@printf 'correct horse battery staple\n' > $(DEMO)/passphrase.txt
	@$(BIN) init $(DEMO)/vault --passphrase-file $(DEMO)/passphrase.txt --auditor-key-out $(DEMO)/auditor.key --name "Demo vault" --member reviewer
	@$(BIN) import $(DEMO)/vault testdata/demo/whatsapp-trading-desk.txt testdata/demo/telegram-result.json \
		testdata/demo/slack testdata/demo/compliance.mbox testdata/demo/signal.jsonl testdata/demo/hostile.jsonl \
		testdata/demo/sms-marcus-phone.xml testdata/demo/discord-square-mile-traders.json testdata/demo/imessage/chat.db \
		--passphrase-file $(DEMO)/passphrase.txt --timezone Europe/London
	@$(BIN) policy import $(DEMO)/vault testdata/demo/policies.txt --passphrase-file $(DEMO)/passphrase.txt

clean: ## remove build output and the demo vault
	rm -rf bin $(DEMO)
