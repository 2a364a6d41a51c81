# The two commands of the README: `make demo` (the main job) and `make test`.
.PHONY: deps demo test vm-test bench soundness generate clean

deps:
	./scripts/install-deps.sh

demo: deps
	swift run hpcs-tool demo

# At most 4 tests at once: the suites start real servers, child processes and disk tools, and on 2 cores an
# unbounded width starves the deadline tests (same wall time, measured: 136 s for 564 tests). The VM suite runs on
# its own after the rest: QEMU under TCG takes a whole core for minutes.
test: deps
	swift build --build-tests
	swift test --skip-build --skip VMScenarioTests --experimental-maximum-parallelization-width 4
	swift test --skip-build --filter VMScenarioTests

# The key daemon's boots on a real kernel (QEMU, TCG): open, mount, reboot, rotation, disable, unreachable KMS,
# migration, SIGKILL after each step, a volume prepared by hand; `make test` runs them too where QEMU is installed.
vm-test: deps
	swift build --build-tests
	swift test --skip-build --filter 'VMScenarioTests|SystemdUnitTests'

bench: deps
	swift build -c release --product hpcs-bench
	swift build -c release --product hpcs-tool
	swift build -c release --product hpcs-keyd --static-swift-stdlib
	./Benchmarks/baseline/build.sh
	.build/release/hpcs-bench
	.build/release/hpcs-bench --grpc-baseline
	.build/release/hpcs-bench --kms
	.build/release/hpcs-bench --ca
	.build/release/hpcs-bench --load --server-transport cgrpc
	.build/release/hpcs-bench --load --server-transport nio
	.build/release/hpcs-bench --keyd

soundness:
	./scripts/soundness.sh

generate:
	./scripts/generate-protos.sh

clean:
	rm -rf .build
