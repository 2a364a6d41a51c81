// grep11-fast-server: a grep11.Crypto server on the gRPC C core (C++ callback API) that answers at once, so that
// a client load test measures the client alone. SignSingle returns a fixed 64-byte signature, GenerateRandom
// returns Len bytes (at most 1 MiB), GenerateKeyPair returns fixed blobs; every other method is unimplemented.
// Usage: grep11-fast-server [--listen HOST:PORT]   (plaintext; prints "listening on port N"; stops on SIGTERM)
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>

#include "server.grpc.pb.h"

namespace {

class FastCrypto final : public grep11::Crypto::CallbackService {
 public:
  FastCrypto() : signature_(64, '\x5a'), private_blob_(512, '\x11'), public_blob_(91, '\x22') {}

  grpc::ServerUnaryReactor* SignSingle(grpc::CallbackServerContext* context,
                                       const grep11::SignSingleRequest*,
                                       grep11::SignSingleResponse* response) override {
    response->set_signature(signature_);
    return Done(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* GenerateRandom(grpc::CallbackServerContext* context,
                                           const grep11::GenerateRandomRequest* request,
                                           grep11::GenerateRandomResponse* response) override {
    if (request->len() > (1u << 20)) {
      return Done(context, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "at most 1 MiB"));
    }
    response->mutable_rnd()->assign(static_cast<size_t>(request->len()), '\x33');
    return Done(context, grpc::Status::OK);
  }

  grpc::ServerUnaryReactor* GenerateKeyPair(grpc::CallbackServerContext* context,
                                            const grep11::GenerateKeyPairRequest*,
                                            grep11::GenerateKeyPairResponse* response) override {
    response->set_privkeybytes(private_blob_);
    response->set_pubkeybytes(public_blob_);
    response->mutable_privkey()->add_keyblobs(private_blob_);
    response->mutable_pubkey()->add_keyblobs(public_blob_);
    return Done(context, grpc::Status::OK);
  }

 private:
  static grpc::ServerUnaryReactor* Done(grpc::CallbackServerContext* context, const grpc::Status& status) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(status);
    return reactor;
  }

  const std::string signature_;
  const std::string private_blob_;
  const std::string public_blob_;
};

}  // namespace

int main(int argc, char** argv) {
  std::string listen = "127.0.0.1:0";
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--listen") == 0 && i + 1 < argc) {
      listen = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--listen HOST:PORT]\n", argv[0]);
      return 2;
    }
  }
  // Every thread (gRPC's included) inherits this mask; the main thread waits for the signals.
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  FastCrypto service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  builder.SetMaxReceiveMessageSize(4 << 20);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || port == 0) {
    std::fprintf(stderr, "grep11-fast-server: cannot listen on %s\n", listen.c_str());
    return 1;
  }
  std::printf("listening on port %d\n", port);
  std::fflush(stdout);
  int signal = 0;
  sigwait(&stop, &signal);
  server->Shutdown();
  return 0;
}
