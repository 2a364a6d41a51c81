import Foundation
import KeyProtectMock
import TestSupport
import Testing

@testable import KeyDaemon

private let hpcsTool = HPCSTool.path
private let curlAndPython =
    FileManager.default.isExecutableFile(atPath: "/usr/bin/curl")
    && (try? ChildProcess.runBlocking("/usr/bin/env", ["python3", "-c", "import hashlib, json"], timeout: .seconds(30)))?
        .status == 0

/// HPVS's keyfile in both directions with no project code on the other side: a volume prepared by HPVS's manual
/// steps with only `curl`, `sfdisk`, `mkfs.ext4`, `debugfs`, `cryptsetup`, `sha256sum` and Python's json is opened
/// by the daemon, and a volume the daemon prepared is opened by `cryptsetup` with a passphrase computed from a raw
/// unwrap (curl) and the two contract seeds. The KMS is the Key Protect mock over real HTTP on 127.0.0.1, called
/// with the Key Protect API as documented: an IAM token from `/identity/token`, then
/// `POST /api/v2/keys/<id>/actions/wrap|unwrap` with `Authorization: Bearer` and `bluemix-instance`.
extension RealDevices {
    @Suite(
        "HPVS's keyfile with no project code on the other side (curl, sfdisk, mkfs.ext4, debugfs, cryptsetup)",
        .enabled(
            if: (HPCSTool.isBuilt && volumeToolsPresent && curlAndPython)
                || PythonInterpreter.isCI,
            "no hpcs-tool build, volume tools, curl or python3")
    )
    struct HPVSKeyfileInteropTests {
        static let envSeed = "cli env seed"
        static let workloadSeed = "cli workload seed"

        /// HPVS's "create two partitions by hand" steps: wrap without plaintext, partition (metadata 100 MiB ext4
        /// with the keyfile, data LUKS), the keyfile holds the wrap response's ciphertext (written with `echo`, so
        /// with a newline), the passphrase is sha256-hex of env seed ‖ workload seed ‖ the wrap's plaintext text.
        static let prepareByHand = #"""
            set -eu
            cd "$WORK"
            token=$(curl -sS --fail-with-body --noproxy '*' -X POST "$BASE/identity/token" \
                -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \
                --data-urlencode 'grant_type=urn:ibm:params:oauth:grant-type:apikey' --data-urlencode "apikey=$API_KEY" \
                | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
            curl -sS --fail-with-body --noproxy '*' -X POST "$BASE/api/v2/keys/$KEY_ID/actions/wrap" \
                -H "Authorization: Bearer $token" -H "bluemix-instance: $INSTANCE_ID" \
                -H 'Content-Type: application/vnd.ibm.kms.key_action_wrap+json' -H 'Accept: application/json' \
                -d '{}' > wrap.json
            ciphertext=$(python3 -c 'import json; print(json.load(open("wrap.json"))["ciphertext"])')
            seed=$(python3 -c 'import json; print(json.load(open("wrap.json"))["plaintext"])')
            truncate -s 160M "$DISK"
            printf 'label: gpt\nsize=100MiB, name=metadata\nname=data\n' | sfdisk -q "$DISK"
            set -- $(sfdisk -J "$DISK" | python3 -c '
            import json, sys
            parts = json.load(sys.stdin)["partitiontable"]["partitions"]
            print(" ".join(str(v) for p in parts for v in (p["start"] * 512, p["size"] * 512)))')
            truncate -s "$2" metadata.img
            mkfs.ext4 -q -L metadata metadata.img
            echo "$ciphertext" > keyfile
            debugfs -w -R "write keyfile keyfile" metadata.img >/dev/null 2>&1
            passphrase=$(printf %s "$ENV_SEED$WORKLOAD_SEED$seed" | sha256sum | cut -d ' ' -f 1)
            truncate -s "$4" data.img
            printf %s "$passphrase" | cryptsetup luksFormat --type luks2 --batch-mode --pbkdf pbkdf2 \
                --pbkdf-force-iterations 1000 --key-file=- data.img
            dd if=metadata.img of="$DISK" bs=1M seek="$1" oflag=seek_bytes conv=notrunc,sparse status=none
            dd if=data.img of="$DISK" bs=1M seek="$3" oflag=seek_bytes conv=notrunc,sparse status=none
            printf '%s\n' "$ciphertext" > expected-keyfile
            rm -f metadata.img data.img keyfile wrap.json
            echo prepared
            """#

        /// Reads the keyfile off the metadata partition with debugfs, unwraps it with curl, hashes the seeds with
        /// Python's hashlib, and asks cryptsetup whether that passphrase (and not a wrong one) opens the data
        /// partition. Prints the keyfile as `keyfile: <text>` first.
        static let verifyWithoutProjectCode = #"""
            set -eu
            cd "$WORK"
            set -- $(sfdisk -J "$DISK" | python3 -c '
            import json, sys
            parts = json.load(sys.stdin)["partitiontable"]["partitions"]
            print(" ".join(str(v) for p in parts for v in (p["start"] * 512, p["size"] * 512)))')
            dd if="$DISK" of=metadata.img bs=1M skip="$1" count="$2" iflag=skip_bytes,count_bytes status=none
            debugfs -R "cat keyfile" metadata.img > keyfile 2>/dev/null
            printf 'keyfile: %s\n' "$(cat keyfile)"
            token=$(curl -sS --fail-with-body --noproxy '*' -X POST "$BASE/identity/token" \
                -H 'Content-Type: application/x-www-form-urlencoded' -H 'Accept: application/json' \
                --data-urlencode 'grant_type=urn:ibm:params:oauth:grant-type:apikey' --data-urlencode "apikey=$API_KEY" \
                | python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
            python3 -c 'import json, sys; print(json.dumps({"ciphertext": open("keyfile").read()}))' > unwrap.json
            seed=$(curl -sS --fail-with-body --noproxy '*' -X POST "$BASE/api/v2/keys/$KEY_ID/actions/unwrap" \
                -H "Authorization: Bearer $token" -H "bluemix-instance: $INSTANCE_ID" \
                -H 'Content-Type: application/vnd.ibm.kms.key_action_unwrap+json' -H 'Accept: application/json' \
                -d @unwrap.json | python3 -c 'import json, sys; print(json.load(sys.stdin)["plaintext"])')
            passphrase=$(python3 -c 'import hashlib, sys; print(hashlib.sha256("".join(sys.argv[1:]).encode()).hexdigest())' \
                "$ENV_SEED" "$WORKLOAD_SEED" "$seed")
            dd if="$DISK" of=data.img bs=1M skip="$3" count="$4" iflag=skip_bytes,count_bytes conv=sparse status=none
            if printf %s "0$passphrase" | cryptsetup open --test-passphrase --key-file=- data.img 2>/dev/null; then
                echo "a wrong passphrase opened the data partition"
                exit 9
            fi
            printf %s "$passphrase" | cryptsetup open --test-passphrase --key-file=- data.img
            rm -f metadata.img data.img keyfile unwrap.json
            echo "the passphrase opens the data partition"
            """#

        /// The CLI tests' setup: the Key Protect mock with a root key, a work directory and a contract naming the key.
        typealias Setup = RealDevices.VolumeCLITests.Setup

        @Test("a volume prepared by hand with HPVS's documented steps is opened by the daemon")
        func preparedByHandIsOpened() async throws {
            try await RealDevices.VolumeCLITests.withSetup { setup in
                let disk = setup.devices.directory + "/by-hand.img"
                let prepared = try await setup.script(Self.prepareByHand, disk: disk)
                try #require(prepared.status == 0, "\(prepared.text)")
                let expected = try String(
                    contentsOfFile: setup.devices.directory + "/expected-keyfile", encoding: .utf8)

                let opened = try await setup.tool(["volume", "open", "--no-activate"], image: disk)
                #expect(opened.status == 0, "\(opened.text)")
                #expect(opened.text.contains("[KD107I]") && opened.text.contains("[KD123I]"), "\(opened.text)")
                let json = RealDevices.VolumeCLITests.json(opened)
                #expect(json["messageId"] as? String == MessageID.decisionUnwrapAndOpen.rawValue)
                #expect(json["unwrappedByEntry"] as? Int == 0)
                #expect(json["keyfileWritten"] as? Bool == false)
                // The daemon left HPVS's keyfile as it was, byte for byte (newline included).
                let keyfile = try await DiskVolume(path: disk).readKeyfile()
                #expect(keyfile == Array(expected.utf8))
            }
        }

        @Test("a volume the daemon prepared opens with a raw unwrap of its keyfile and the seeds hashed by hand")
        func daemonPreparedOpensByHand() async throws {
            try await RealDevices.VolumeCLITests.withSetup { setup in
                let disk = try await setup.provisionedImage()
                let verified = try await setup.script(Self.verifyWithoutProjectCode, disk: disk)
                #expect(verified.status == 0, "\(verified.text)")
                #expect(verified.text.contains("the passphrase opens the data partition"), "\(verified.text)")
                let keyfile = try #require(Setup.keyfile(in: verified))
                #expect(!keyfile.contains("{") && !keyfile.contains("hpcs-keyd") && Data(base64Encoded: keyfile) != nil)
            }
        }

        @Test("a keyfile of earlier versions is rewritten as the ciphertext at the next boot, also after a SIGKILL")
        func legacyKeyfileIsRewrittenOnImage() async throws {
            try await RealDevices.VolumeCLITests.withSetup { setup in
                let disk = try await setup.provisionedImage()
                let volume = DiskVolume(path: disk)
                let ciphertext = String(decoding: try #require(try await volume.readKeyfile()), as: UTF8.self)
                let legacy =
                    #"{"ciphertext":"\#(ciphertext)","crn":"\#(setup.crn)","format":"hpcs-keyd/1","keyVersion":"old"}"#
                try await volume.replaceKeyfile(Array(legacy.utf8))

                // Killed right after the rewrite: the next boot opens and leaves the keyfile as it is.
                let killed = try await setup.tool(
                    ["volume", "open", "--no-activate"], image: disk, killAfter: .keyfileWritten)
                #expect(killed.status != 0)
                #expect(killed.text.contains("[KD126I]"), "\(killed.text)")
                #expect(try await volume.readKeyfile() == Array(ciphertext.utf8))

                try await volume.replaceKeyfile(Array(legacy.utf8))
                let opened = try await setup.tool(["volume", "open", "--no-activate"], image: disk)
                #expect(opened.status == 0, "\(opened.text)")
                #expect(opened.text.contains("[KD137I]"), "\(opened.text)")
                #expect(RealDevices.VolumeCLITests.json(opened)["keyfileWritten"] as? Bool == true)
                #expect(try await volume.readKeyfile() == Array(ciphertext.utf8))
                let verified = try await setup.script(Self.verifyWithoutProjectCode, disk: disk)
                #expect(verified.status == 0, "\(verified.text)")
                #expect(Setup.keyfile(in: verified) == ciphertext)

                let again = try await setup.tool(["volume", "open", "--no-activate"], image: disk)
                #expect(again.status == 0 && !again.text.contains("[KD137I]"), "\(again.text)")
            }
        }
    }
}

/// What the HPVS interoperability tests add to the CLI tests' setup.
extension RealDevices.VolumeCLITests.Setup {
    /// Runs `text` with bash in the work directory, with the mock, the key and the contract's seeds in the
    /// environment (`WORK`, `DISK`, `BASE`, `API_KEY`, `KEY_ID`, `INSTANCE_ID`, `ENV_SEED`, `WORKLOAD_SEED`).
    func script(_ text: String, disk: String) async throws -> ChildProcess.Output {
        try await ChildProcess.run(
            "/bin/bash", ["-c", text],
            environment: [
                "WORK": devices.directory, "DISK": disk, "BASE": kms.baseURL, "API_KEY": daemonTestAPIKey,
                "KEY_ID": keyID, "INSTANCE_ID": kms.instanceID,
                "ENV_SEED": RealDevices.HPVSKeyfileInteropTests.envSeed,
                "WORKLOAD_SEED": RealDevices.HPVSKeyfileInteropTests.workloadSeed,
            ],
            timeout: .seconds(120))
    }

    /// A new image in the work directory, provisioned by the daemon (`volume provision`).
    func provisionedImage() async throws -> String {
        let disk = try newImage()
        let provisioned = try await tool(["volume", "provision", "--no-activate"], image: disk)
        try #require(provisioned.status == 0, "\(provisioned.text)")
        return disk
    }

    /// The image's keyfile as `debugfs` reads it (through the verifying script).
    static func keyfile(in output: ChildProcess.Output) -> String? {
        output.text.split(separator: "\n").first { $0.hasPrefix("keyfile: ") }.map { String($0.dropFirst(9)) }
    }
}
