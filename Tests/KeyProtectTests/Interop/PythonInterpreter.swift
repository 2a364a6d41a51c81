import Foundation
import TestSupport

/// IBM's Python Key Protect client (PyPI keyprotect 3.x), found through ``PythonInterpreter``.
struct PythonKeyProtect: Sendable {
    typealias Interpreter = PythonInterpreter

    static let repositoryRoot = PythonInterpreter.repositoryRoot

    static let interopScript = repositoryRoot.appendingPathComponent("Tests/Interop/keyprotect_interop.py").path

    static let installHint =
        "install it with scripts/install-deps.sh (keyprotect==3.0.1 into .build-python/), or point HPCS_PYTHON at "
        + "a python3 that has it"

    static var isCI: Bool { PythonInterpreter.isCI }

    static let found: (interpreter: Interpreter?, reasons: [String]) = PythonInterpreter.find(
        importCheck: "import ibm_cloud_sdk_core, keyprotect.version as v, keyprotect.ibm_key_protect_api_v2; "
            + "assert v.__version__.startswith('3.'), 'keyprotect ' + v.__version__ + ' is not 3.x'"
    )

    static var shouldRun: Bool { found.interpreter != nil || isCI }
}
