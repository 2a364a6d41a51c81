import CGRPC

/// The gRPC C core is initialised once per process and never shut down (the C core keeps its own threads).
enum CoreRuntime {
    static let initialised: Bool = {
        grpc_init()
        return true
    }()
}
