# What `sam build` runs for each function (`Metadata.BuildMethod: makefile` in template.yaml;
# docs/deploy.md): `make build-<LogicalId>` with ARTIFACTS_DIR set, in the workspace root
# (samconfig.toml: build_in_source). Each target copies one arm64 binary there as
# `bootstrap`.
#
# Two cargo invocations build everything (docs/deploy.md has the measured times):
# - the authorizer, on every request, with the release profile (fat LTO, one codegen unit);
# - every other function with the `lambda-route` profile (Cargo.toml: no cross-crate LTO),
#   all in one invocation: the AWS SDK is compiled once and each binary is a plain link,
#   instead of one single-threaded fat-LTO link of the whole SDK per function.
# Every route target runs the same invocation; after the first one, cargo finds it done.
# cargo-lambda moves each binary it built to target/lambda/<binary>/bootstrap, which the
# targets copy. SAM runs the targets in parallel: each cargo-lambda run and each copy of a
# route binary holds one lock, since a run, even one with nothing to do, moves the binaries
# again, which a copy beside it could miss.
#
# A target's binary is its logical id without `Function`, in kebab case
# (UsersListFunction -> users-list): the rule tests/wiring/agreement.rs holds the template to.

CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
ROUTE_PROFILE := lambda-route
ROUTE_BINARIES := $(filter-out authorizer,$(basename $(notdir $(wildcard functions/src/bin/*.rs))))

# UsersList -> users-list
kebab = $(shell printf '%s' '$(1)' | sed -E 's/([a-z0-9])([A-Z])/\1-\2/g' | tr 'A-Z' 'a-z')

.PHONY: build-AuthorizerFunction route-binaries

build-AuthorizerFunction:
	$(CARGO) lambda build --release --arm64 -p latchkey-functions --bin authorizer
	cp $(TARGET_DIR)/lambda/authorizer/bootstrap $(ARTIFACTS_DIR)/bootstrap

ROUTE_LOCK := flock $(TARGET_DIR)/.sam-build-$(ROUTE_PROFILE).lock

route-binaries:
	mkdir -p $(TARGET_DIR)
	$(ROUTE_LOCK) $(CARGO) lambda build --profile $(ROUTE_PROFILE) --arm64 -p latchkey-functions $(addprefix --bin ,$(ROUTE_BINARIES))

build-%Function: route-binaries
	$(ROUTE_LOCK) cp $(TARGET_DIR)/lambda/$(call kebab,$*)/bootstrap $(ARTIFACTS_DIR)/bootstrap
