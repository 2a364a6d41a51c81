import Foundation

// Built without libFuzzer (a plain `swift build`), hsm-fuzz replays inputs: `hsm-fuzz FILE...` runs each file once
// (a crash file from the fuzzer crashes again), and `HSM_FUZZ_WRITE_SEEDS=DIR hsm-fuzz` writes the seed corpus.
// scripts/fuzz.sh builds it with -sanitize=fuzzer and -D HSM_FUZZER, where libFuzzer supplies main().
#if !HSM_FUZZER
    @main
    enum HSMFuzzReplay {
        static func main() {
            _ = hsmFuzzInitialize(nil, nil)
            for path in CommandLine.arguments.dropFirst() {
                guard let data = FileManager.default.contents(atPath: path) else {
                    print("hsm-fuzz: cannot read \(path)")
                    exit(2)
                }
                Harness.run(Array(data))
                print("hsm-fuzz: ok \(path)")
            }
        }
    }
#endif
