// grep11-cpp-client: the load of `hpcs-bench --endpoint` on the gRPC C core (C++ callback API), as the baseline
// for swift-hpcs's client. N callers each keep one call in flight for S seconds; for sign, an EC P-256 key pair is
// generated first and SignSingle(ECDSA) is called with its private key blob. Prints the RESULT line of hpcs-bench:
//   RESULT transport=cpp op=sign callers=32 ops_s=... p50_us=... p99_us=... cli_cpu_us=... cli_rss_mb=...
// Each call has a deadline, as every EP11Client call has one (its per-call timeout, 30 s by default): the core then
// starts a timer per call and sends grpc-timeout, work an EP11Client call does too. --deadline-ms 0 sends none.
// Usage: grep11-cpp-client --endpoint HOST:PORT [--callers N] [--seconds S] [--op sign|random]
//                          [--deadline-ms MS] [--plaintext | --tls-roots FILE]
#include <grpcpp/grpcpp.h>
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "server.grpc.pb.h"

namespace {

using Clock = std::chrono::steady_clock;

constexpr uint64_t kECKeyPairGen = 0x1040;  // CKM_EC_KEY_PAIR_GEN
constexpr uint64_t kECDSA = 0x1041;         // CKM_ECDSA
constexpr uint64_t kECParams = 0x180;       // CKA_EC_PARAMS
constexpr uint64_t kSign = 0x108;           // CKA_SIGN

struct Options {
  std::string endpoint;
  int callers = 1;
  double seconds = 3;
  std::string op = "sign";
  long deadline_ms = 30000;
  std::string roots;
  bool plaintext = true;
};

double CPUSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_utime.tv_sec + usage.ru_stime.tv_sec + (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

double PeakRSSMegabytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss * 1024.0 / 1e6;
}

// One caller: a chain of calls, each started from the previous one's completion, until the deadline.
class Caller {
 public:
  Caller(grep11::Crypto::Stub* stub, const Options& options, const grep11::KeyBlob* key, Clock::time_point until,
         std::atomic<int>* running, std::mutex* mutex, std::condition_variable* done)
      : stub_(stub), options_(options), until_(until), running_(running), mutex_(mutex), done_(done) {
    if (options.op == "sign") {
      sign_.mutable_mech()->set_mechanism(kECDSA);
      sign_.set_data(std::string(32, '\x44'));
      *sign_.mutable_privkey() = *key;
    } else {
      random_.set_len(32);
    }
    latencies_.reserve(1 << 16);
  }

  void Start() { Next(); }

  bool failed() const { return failed_; }
  const std::string& error() const { return error_; }
  const std::vector<double>& latencies() const { return latencies_; }

 private:
  void Next() {
    context_ = std::make_unique<grpc::ClientContext>();
    if (options_.deadline_ms > 0) {
      context_->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(options_.deadline_ms));
    }
    started_ = Clock::now();
    auto completion = [this](grpc::Status status) { Completed(status); };
    if (options_.op == "sign") {
      stub_->async()->SignSingle(context_.get(), &sign_, &sign_response_, completion);
    } else {
      stub_->async()->GenerateRandom(context_.get(), &random_, &random_response_, completion);
    }
  }

  void Completed(const grpc::Status& status) {
    Clock::time_point now = Clock::now();
    if (!status.ok()) {
      failed_ = true;
      error_ = status.error_message();
    } else {
      latencies_.push_back(std::chrono::duration<double, std::micro>(now - started_).count());
    }
    if (!failed_ && now < until_) {
      Next();
      return;
    }
    std::lock_guard<std::mutex> lock(*mutex_);
    if (--*running_ == 0) done_->notify_all();
  }

  grep11::Crypto::Stub* stub_;
  const Options& options_;
  Clock::time_point until_;
  std::atomic<int>* running_;
  std::mutex* mutex_;
  std::condition_variable* done_;
  std::unique_ptr<grpc::ClientContext> context_;
  Clock::time_point started_;
  grep11::SignSingleRequest sign_;
  grep11::SignSingleResponse sign_response_;
  grep11::GenerateRandomRequest random_;
  grep11::GenerateRandomResponse random_response_;
  std::vector<double> latencies_;
  bool failed_ = false;
  std::string error_;
};

struct Round {
  size_t calls = 0;
  double elapsed = 0;
  double cpu = 0;
  double p50 = 0;
  double p99 = 0;
  std::string error;
};

Round Measure(grep11::Crypto::Stub* stub, const Options& options, const grep11::KeyBlob* key, double seconds) {
  std::mutex mutex;
  std::condition_variable done;
  std::atomic<int> running(options.callers);
  Clock::time_point start = Clock::now();
  double cpu_start = CPUSeconds();
  Clock::time_point until = start + std::chrono::microseconds(static_cast<int64_t>(seconds * 1e6));
  std::vector<std::unique_ptr<Caller>> callers;
  for (int i = 0; i < options.callers; i++) {
    callers.push_back(std::make_unique<Caller>(stub, options, key, until, &running, &mutex, &done));
  }
  for (auto& caller : callers) caller->Start();
  {
    std::unique_lock<std::mutex> lock(mutex);
    done.wait(lock, [&] { return running.load() == 0; });
  }
  Round round;
  round.elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  round.cpu = CPUSeconds() - cpu_start;
  std::vector<double> all;
  for (auto& caller : callers) {
    if (caller->failed() && round.error.empty()) round.error = caller->error();
    all.insert(all.end(), caller->latencies().begin(), caller->latencies().end());
  }
  std::sort(all.begin(), all.end());
  round.calls = all.size();
  if (!all.empty()) {
    round.p50 = all[std::min(all.size() - 1, static_cast<size_t>(all.size() * 0.50))];
    round.p99 = all[std::min(all.size() - 1, static_cast<size_t>(all.size() * 0.99))];
  }
  return round;
}

int Usage(const char* program) {
  std::fprintf(stderr,
               "usage: %s --endpoint HOST:PORT [--callers N] [--seconds S] [--op sign|random] [--deadline-ms MS] "
               "[--plaintext | --tls-roots FILE]\n",
               program);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--endpoint" && has_value) {
      options.endpoint = argv[++i];
    } else if (arg == "--callers" && has_value) {
      options.callers = std::atoi(argv[++i]);
    } else if (arg == "--seconds" && has_value) {
      options.seconds = std::atof(argv[++i]);
    } else if (arg == "--op" && has_value) {
      options.op = argv[++i];
    } else if (arg == "--deadline-ms" && has_value) {
      options.deadline_ms = std::atol(argv[++i]);
    } else if (arg == "--tls-roots" && has_value) {
      std::ifstream file(argv[++i]);
      std::stringstream text;
      text << file.rdbuf();
      options.roots = text.str();
      options.plaintext = false;
      if (options.roots.empty()) {
        std::fprintf(stderr, "grep11-cpp-client: cannot read the TLS roots\n");
        return 2;
      }
    } else if (arg == "--plaintext") {
      options.plaintext = true;
    } else {
      return Usage(argv[0]);
    }
  }
  if (options.endpoint.empty() || options.callers < 1 || options.callers > 4096 || options.seconds <= 0 ||
      options.deadline_ms < 0 || (options.op != "sign" && options.op != "random")) {
    return Usage(argv[0]);
  }
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  if (options.plaintext) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = options.roots;
    credentials = grpc::SslCredentials(tls);
  }
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(4 << 20);
  auto channel = grpc::CreateCustomChannel(options.endpoint, credentials, arguments);
  auto stub = grep11::Crypto::NewStub(channel);

  grep11::KeyBlob key;
  if (options.op == "sign") {
    grep11::GenerateKeyPairRequest request;
    request.mutable_mech()->set_mechanism(kECKeyPairGen);
    // The DER OID of P-256 (1.2.840.10045.3.1.7).
    const char oid[] = {0x06, 0x08, 0x2a, (char)0x86, 0x48, (char)0xce, 0x3d, 0x03, 0x01, 0x07};
    (*request.mutable_pubkeytemplate())[kECParams].set_attributeb(std::string(oid, sizeof(oid)));
    (*request.mutable_privkeytemplate())[kSign].set_attributetf(true);
    grep11::GenerateKeyPairResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status status = stub->GenerateKeyPair(&context, request, &response);
    if (!status.ok()) {
      std::fprintf(stderr, "grep11-cpp-client: GenerateKeyPair failed: %s\n", status.error_message().c_str());
      return 1;
    }
    key = response.privkey();
    if (key.keyblobs_size() == 0) key.add_keyblobs(response.privkeybytes());
  }
  // Warm-up (connection, first calls), then the measured window.
  Round warm = Measure(stub.get(), options, &key, std::min(1.0, options.seconds));
  if (!warm.error.empty()) {
    std::fprintf(stderr, "grep11-cpp-client: a call failed: %s\n", warm.error.c_str());
    return 1;
  }
  Round round = Measure(stub.get(), options, &key, options.seconds);
  if (!round.error.empty() || round.calls == 0) {
    std::fprintf(stderr, "grep11-cpp-client: a call failed: %s\n", round.error.c_str());
    return 1;
  }
  std::printf("RESULT transport=cpp op=%s callers=%d ops_s=%.0f p50_us=%.0f p99_us=%.0f cli_cpu_us=%.1f cli_rss_mb=%.1f\n",
              options.op.c_str(), options.callers, round.calls / round.elapsed, round.p50, round.p99,
              round.cpu * 1e6 / round.calls, PeakRSSMegabytes());
  std::fflush(stdout);
  return 0;
}
