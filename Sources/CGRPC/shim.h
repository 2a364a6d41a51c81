// The gRPC C core (Debian libgrpc-dev, pkg-config "grpc"): the API that swift-hpcs's C-core transport calls.
#ifndef SWIFT_HPCS_CGRPC_SHIM_H
#define SWIFT_HPCS_CGRPC_SHIM_H

// SwiftNIO builds its C modules with _GNU_SOURCE; glibc types such as fd_set must be declared the same way here,
// or clang refuses a file that imports both modules.
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/status.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <grpc/support/log.h>

#endif
