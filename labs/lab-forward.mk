# SPDX-License-Identifier: MIT
# Included by each lab folder's Makefile: forward every goal to the top
# level with LAB set to this folder. `grade` keeps the grader's exit status
# (0/1/2) by the same parse-time route as the top-level Makefile.
LAB := $(notdir $(CURDIR))
TOP := $(abspath $(CURDIR)/../..)
.DEFAULT_GOAL := test

# A SRC given relative to this folder means this folder's relative path.
ifneq ($(filter-out labs solutions /%,$(SRC)),)
override SRC := $(abspath $(SRC))
endif
# So does make explore's PROG.
ifneq ($(filter-out /%,$(PROG)),)
override PROG := $(abspath $(PROG))
endif
# What the command line set reaches the top level: recipes pass it in
# MAKEFLAGS, but $(shell) below does not (GNU make before 4.4), so name it.
FWD_VARS := $(foreach v,SRC TEST ONLY JOBS TRACE GRADE_FLAGS PROG,$(if $(filter \
    command line override,$(origin $(v))),$(v)='$($(v))'))

ifeq ($(MAKECMDGOALS),grade)
FWD_RC := $(shell $(MAKE) --no-print-directory -C $(TOP) grade LAB=$(LAB) $(FWD_VARS) >&2; echo $$?)
ifeq ($(FWD_RC),2)
$(error the grader could not grade (see above))
endif
ifneq ($(FWD_RC),0)
MAKEFLAGS += -q
endif
grade:
	@:
else
Makefile ../lab-forward.mk: ;
%:
	@$(MAKE) --no-print-directory -C $(TOP) $@ LAB=$(LAB) $(FWD_VARS)
test:
	@$(MAKE) --no-print-directory -C $(TOP) test LAB=$(LAB) $(FWD_VARS)
endif
.PHONY: grade test
