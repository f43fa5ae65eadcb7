# SPDX-License-Identifier: MIT
# Slides: one Marp deck per lab plus an overview (slides/NN-topic.md),
# rendered offline to self-contained HTML and checked in headless Chromium.
# Included by the top-level Makefile; see slides/README.md.
#
#   make slides-deps     Marp CLI into slides/node_modules (npm ci), Chromium from Debian
#   make slides-measure  measure again: speedups and traces the diagrams are drawn from
#   make slides          build/slides/*.html (measures first when nothing was measured yet)
#   make slides-check    includes up to date, then every deck in Chromium; screenshots
#   make slides-sync     refresh the code copied under each <!-- include: --> [DECK=slides/02-threads.md]

SLIDES_DIR := $(ROOT)/slides
SLIDES_OUT := $(BUILD)/slides
SLIDES_TOOLS := $(SLIDES_OUT)/tools
SLIDES_NODE := $(SLIDES_DIR)/node_modules/.slides-ok
SLIDES_MEASURED := $(SLIDES_OUT)/measure/machine.json
# The traces link the reference solutions: build time only, never shipped.
SLIDES_SOLUTIONS ?= $(ROOT)/solutions
SLIDES_CFLAGS = $(BASE_CFLAGS) -O2 -I$(ROOT)/harness
SLIDES_TRACERS := $(SLIDES_TOOLS)/trace_gil $(SLIDES_TOOLS)/trace_green \
                  $(SLIDES_TOOLS)/trace_procs
SLIDES_HARNESS := $(HARNESS_LIB)

$(SLIDES_NODE): $(SLIDES_DIR)/package.json $(SLIDES_DIR)/package-lock.json
	@bash $(SLIDES_DIR)/tools/deps.sh node
	cd $(SLIDES_DIR) && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(SLIDES_TOOLS)/trace_gil: $(SLIDES_DIR)/tools/trace_gil.c \
    $(SLIDES_SOLUTIONS)/02-threads/gil.c $(SLIDES_HARNESS)
	@mkdir -p $(@D)
	$(CC) $(SLIDES_CFLAGS) -I$(ROOT)/labs/02-threads -o $@ $(filter %.c %.a,$^) -lcmocka

$(SLIDES_TOOLS)/trace_green: $(SLIDES_DIR)/tools/trace_green.c \
    $(SLIDES_SOLUTIONS)/05-coroutines/coro.c $(SLIDES_SOLUTIONS)/05-coroutines/green.c \
    $(SLIDES_HARNESS)
	@mkdir -p $(@D)
	$(CC) $(SLIDES_CFLAGS) -I$(ROOT)/labs/05-coroutines -o $@ $(filter %.c %.a,$^) -lcmocka

$(SLIDES_TOOLS)/trace_procs: $(SLIDES_DIR)/tools/trace_procs.c \
    $(SLIDES_SOLUTIONS)/07-multiprocessing-ipc/pool.c \
    $(SLIDES_SOLUTIONS)/07-multiprocessing-ipc/msg.c $(SLIDES_HARNESS)
	@mkdir -p $(@D)
	$(CC) $(SLIDES_CFLAGS) -I$(ROOT)/labs/07-multiprocessing-ipc -o $@ \
	    $(filter %.c %.a,$^) -lcmocka -lrt

# Measured once, then reused: make slides-measure measures again.
$(SLIDES_MEASURED): | $(GRADER) $(SLIDES_TRACERS)
	@bash $(SLIDES_DIR)/tools/measure.sh $(GRADER) $(SLIDES_TOOLS)

slides-measure: $(GRADER) $(SLIDES_TRACERS)
	@bash $(SLIDES_DIR)/tools/measure.sh $(GRADER) $(SLIDES_TOOLS)

slides-deps: $(SLIDES_NODE)
	@bash $(SLIDES_DIR)/tools/deps.sh chromium

slides: $(SLIDES_NODE) $(SLIDES_MEASURED)
	@node $(SLIDES_DIR)/tools/diagrams.mjs
	@node $(SLIDES_DIR)/tools/build.mjs

slides-check: slides
	@bash $(SLIDES_DIR)/tools/deps.sh chromium
	@node $(SLIDES_DIR)/tools/includes.mjs check
	@node $(SLIDES_DIR)/tools/check.mjs

slides-sync:
	@node $(SLIDES_DIR)/tools/includes.mjs sync $(DECK)

.PHONY: slides slides-check slides-sync slides-deps slides-measure
