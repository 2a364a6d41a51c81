// The gRPC C core (Debian libgrpc-dev, pkg-config "grpc"): the API that swift-hpcs's C-core transport calls.
#ifndef SWIFT_HPCS_CGRPC_SHIM_H
#define SWIFT_HPCS_CGRPC_SHIM_H

// glibc first, before grpc's port_platform.h can define _GNU_SOURCE: glibc's types must be declared here exactly as
// in the other C modules of the build (CNIOLinux, COpenSSL), or clang refuses a Swift file that imports two of them
// ("fds_bits ... is not present in definition of fd_set"). _GNU_SOURCE renames fd_set's member.
#include <sys/types.h>
#include <sys/select.h>

#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/status.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>
#include <grpc/support/log.h>

// The slice accessors are macros, which Swift cannot call.
static inline const uint8_t *hpcs_grpc_slice_start(const grpc_slice *slice) {
    return GRPC_SLICE_START_PTR(*slice);
}

static inline size_t hpcs_grpc_slice_length(const grpc_slice *slice) {
    return GRPC_SLICE_LENGTH(*slice);
}

static inline uint32_t hpcs_grpc_propagate_defaults(void) {
    return GRPC_PROPAGATE_DEFAULTS;
}

static inline uint8_t *hpcs_grpc_slice_mutable_start(grpc_slice *slice) {
    return GRPC_SLICE_START_PTR(*slice);
}

// MARK: Client helpers (the EP11 client's unary path).
#include <string.h>
#include <sys/prctl.h>

/// Names the calling thread (at most 15 characters are kept), as `top -H` and `perf` show it.
static inline void hpcs_set_thread_name(const char *name) { prctl(PR_SET_NAME, name, 0, 0, 0); }

/// One unary call: its batch of six operations and everything they point at, in one block that the Swift side
/// allocates with the object owning the call (so a call costs one allocation besides the core's own).
typedef struct hpcs_unary_call {
    grpc_op ops[6];
    grpc_metadata send_metadata[2];
    grpc_byte_buffer *send_message;
    grpc_slice authorization;
    int has_authorization;
    grpc_metadata_array initial_metadata;
    grpc_metadata_array trailing_metadata;
    grpc_byte_buffer *recv_message;
    grpc_status_code status;
    grpc_slice details;
    const char *error_string;
} hpcs_unary_call;

/// Fills the batch: send the metadata (`authorization`, which the call takes over, and `instance`, which the
/// caller keeps alive until the batch completes; either may be NULL) and `message` (referenced, not taken over),
/// half-close, and receive the answer into the call's own fields.
static inline void hpcs_unary_call_init(
    hpcs_unary_call *call, grpc_slice *message, const grpc_slice *authorization, const grpc_slice *instance,
    grpc_slice authorization_key, grpc_slice instance_key) {
    memset(call, 0, sizeof(*call));
    size_t count = 0;
    if (authorization != NULL) {
        call->authorization = *authorization;
        call->has_authorization = 1;
        call->send_metadata[count].key = authorization_key;
        call->send_metadata[count].value = call->authorization;
        count++;
    }
    if (instance != NULL) {
        call->send_metadata[count].key = instance_key;
        call->send_metadata[count].value = *instance;
        count++;
    }
    call->send_message = grpc_raw_byte_buffer_create(message, 1);
    call->status = GRPC_STATUS_UNKNOWN;
    call->ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
    call->ops[0].data.send_initial_metadata.count = count;
    call->ops[0].data.send_initial_metadata.metadata = call->send_metadata;
    call->ops[1].op = GRPC_OP_SEND_MESSAGE;
    call->ops[1].data.send_message.send_message = call->send_message;
    call->ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
    call->ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
    call->ops[3].data.recv_initial_metadata.recv_initial_metadata = &call->initial_metadata;
    call->ops[4].op = GRPC_OP_RECV_MESSAGE;
    call->ops[4].data.recv_message.recv_message = &call->recv_message;
    call->ops[5].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
    call->ops[5].data.recv_status_on_client.trailing_metadata = &call->trailing_metadata;
    call->ops[5].data.recv_status_on_client.status = &call->status;
    call->ops[5].data.recv_status_on_client.status_details = &call->details;
    call->ops[5].data.recv_status_on_client.error_string = &call->error_string;
}

/// Frees what the call holds (the batch has completed, or never started).
static inline void hpcs_unary_call_destroy(hpcs_unary_call *call) {
    grpc_metadata_array_destroy(&call->initial_metadata);
    grpc_metadata_array_destroy(&call->trailing_metadata);
    if (call->recv_message != NULL) grpc_byte_buffer_destroy(call->recv_message);
    grpc_slice_unref(call->details);
    if (call->error_string != NULL) gpr_free((void *)call->error_string);
    if (call->send_message != NULL) grpc_byte_buffer_destroy(call->send_message);
    if (call->has_authorization) grpc_slice_unref(call->authorization);
}

/// The received message when it is one uncompressed slice (the usual case), owned by the call; NULL otherwise.
static inline const grpc_slice *hpcs_unary_call_single_slice(const hpcs_unary_call *call) {
    const grpc_byte_buffer *buffer = call->recv_message;
    if (buffer == NULL || buffer->type != GRPC_BB_RAW || buffer->data.raw.compression != GRPC_COMPRESS_NONE ||
        buffer->data.raw.slice_buffer.count != 1) {
        return NULL;
    }
    return &buffer->data.raw.slice_buffer.slices[0];
}


// MARK: Server helpers (HSMMock's C-core server). The batch ops and the grpc_slice macros live here so that the
// Swift side passes plain pointers; each call's state is one block owned by the server until its batch completes.
#include <stdlib.h>
#include <string.h>

/// What a completion-queue tag is.
enum {
    CGRPC_SRV_REGISTERED_REQUEST = 1,
    CGRPC_SRV_GENERIC_REQUEST = 2,
    CGRPC_SRV_RESPONSE_SENT = 3,
    CGRPC_SRV_SHUTDOWN = 4,
};

/// One call's state, from the request posted to the completion queue to the end of the response batch.
typedef struct cgrpc_srv_call {
    int kind;
    int method;
    int queue;
    grpc_call *call;
    gpr_timespec deadline;
    grpc_metadata_array request_metadata;
    grpc_call_details details;
    grpc_byte_buffer *payload;
    grpc_byte_buffer *response;
    grpc_slice status_details;
    int has_status_details;
    grpc_metadata trailing[1];
    size_t trailing_count;
    int cancelled;
} cgrpc_srv_call;

static inline cgrpc_srv_call *cgrpc_srv_call_create(int kind, int method, int queue) {
    cgrpc_srv_call *state = (cgrpc_srv_call *)calloc(1, sizeof(cgrpc_srv_call));
    if (state == NULL) return NULL;
    state->kind = kind;
    state->method = method;
    state->queue = queue;
    grpc_metadata_array_init(&state->request_metadata);
    grpc_call_details_init(&state->details);
    return state;
}

static inline void cgrpc_srv_call_destroy(cgrpc_srv_call *state) {
    grpc_metadata_array_destroy(&state->request_metadata);
    grpc_call_details_destroy(&state->details);
    if (state->payload != NULL) grpc_byte_buffer_destroy(state->payload);
    if (state->response != NULL) grpc_byte_buffer_destroy(state->response);
    if (state->has_status_details) grpc_slice_unref(state->status_details);
    for (size_t i = 0; i < state->trailing_count; i++) {
        grpc_slice_unref(state->trailing[i].key);
        grpc_slice_unref(state->trailing[i].value);
    }
    if (state->call != NULL) grpc_call_unref(state->call);
    free(state);
}

/// A server with the given limits; SO_REUSEPORT off, so that a port in use is refused rather than shared.
static inline grpc_server *cgrpc_srv_server_create(int max_receive_bytes, int max_concurrent_streams) {
    grpc_arg args[3];
    memset(args, 0, sizeof(args));
    args[0].type = GRPC_ARG_INTEGER;
    args[0].key = (char *)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
    args[0].value.integer = max_receive_bytes;
    args[1].type = GRPC_ARG_INTEGER;
    args[1].key = (char *)GRPC_ARG_MAX_CONCURRENT_STREAMS;
    args[1].value.integer = max_concurrent_streams;
    args[2].type = GRPC_ARG_INTEGER;
    args[2].key = (char *)GRPC_ARG_ALLOW_REUSEPORT;
    args[2].value.integer = 0;
    grpc_channel_args channel_args = {3, args};
    return grpc_server_create(&channel_args, NULL);
}

/// TLS server credentials; with client roots, a client certificate is required and verified against them.
static inline grpc_server_credentials *cgrpc_srv_tls_credentials(
    const char *certificate_chain, const char *private_key, const char *client_roots) {
    grpc_ssl_pem_key_cert_pair pair = {private_key, certificate_chain};
    return grpc_ssl_server_credentials_create_ex(
        client_roots, &pair, 1,
        client_roots != NULL ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                             : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE,
        NULL);
}

static inline grpc_call_error cgrpc_srv_request_registered(
    grpc_server *server, void *method, grpc_completion_queue *queue, cgrpc_srv_call *state) {
    return grpc_server_request_registered_call(
        server, method, &state->call, &state->deadline, &state->request_metadata, &state->payload, queue, queue,
        state);
}

static inline grpc_call_error cgrpc_srv_request_generic(
    grpc_server *server, grpc_completion_queue *queue, cgrpc_srv_call *state) {
    return grpc_server_request_call(
        server, &state->call, &state->details, &state->request_metadata, queue, queue, state);
}

/// The request message's length, or -1 when the call carried none.
static inline long cgrpc_srv_payload_length(const cgrpc_srv_call *state) {
    if (state->payload == NULL) return -1;
    return (long)grpc_byte_buffer_length(state->payload);
}

/// Copies the request message (decompressed) into `out`, which holds `capacity` bytes; the bytes copied, or -1.
static inline long cgrpc_srv_payload_copy(const cgrpc_srv_call *state, uint8_t *out, size_t capacity) {
    if (state->payload == NULL) return -1;
    grpc_byte_buffer_reader reader;
    if (!grpc_byte_buffer_reader_init(&reader, state->payload)) return -1;
    size_t copied = 0;
    grpc_slice slice;
    while (grpc_byte_buffer_reader_next(&reader, &slice)) {
        size_t length = GRPC_SLICE_LENGTH(slice);
        if (copied + length > capacity) {
            grpc_slice_unref(slice);
            grpc_byte_buffer_reader_destroy(&reader);
            return -1;
        }
        if (length > 0) memcpy(out + copied, GRPC_SLICE_START_PTR(slice), length);
        copied += length;
        grpc_slice_unref(slice);
    }
    grpc_byte_buffer_reader_destroy(&reader);
    return (long)copied;
}

/// The first value of request metadata `key` (lower case), or NULL; `length` receives its length.
static inline const uint8_t *cgrpc_srv_metadata(const cgrpc_srv_call *state, const char *key, size_t *length) {
    size_t key_length = strlen(key);
    for (size_t i = 0; i < state->request_metadata.count; i++) {
        const grpc_metadata *entry = &state->request_metadata.metadata[i];
        if (GRPC_SLICE_LENGTH(entry->key) == key_length &&
            memcmp(GRPC_SLICE_START_PTR(entry->key), key, key_length) == 0) {
            *length = GRPC_SLICE_LENGTH(entry->value);
            return GRPC_SLICE_START_PTR(entry->value);
        }
    }
    return NULL;
}

/// The method path of a call that no registered method matched, copied into `out` (NUL-terminated, truncated).
static inline void cgrpc_srv_generic_method(const cgrpc_srv_call *state, char *out, size_t capacity) {
    if (capacity == 0) return;
    size_t length = GRPC_SLICE_LENGTH(state->details.method);
    if (length >= capacity) length = capacity - 1;
    memcpy(out, GRPC_SLICE_START_PTR(state->details.method), length);
    out[length] = 0;
}

/// Sends the whole answer in one batch: initial metadata, the message (when `has_message`), the status
/// with its message and, when `status_bin` is not NULL, `grpc-status-details-bin`; and waits for the close. The
/// batch's completion arrives with `state` as its tag (kind CGRPC_SRV_RESPONSE_SENT).
static inline grpc_call_error cgrpc_srv_respond(
    cgrpc_srv_call *state, int has_message, const uint8_t *message, size_t message_length, grpc_status_code status,
    const uint8_t *status_message, size_t status_message_length, const uint8_t *status_bin,
    size_t status_bin_length) {
    grpc_op ops[4];
    memset(ops, 0, sizeof(ops));
    size_t count = 0;
    state->kind = CGRPC_SRV_RESPONSE_SENT;
    ops[count].op = GRPC_OP_SEND_INITIAL_METADATA;
    count++;
    if (has_message) {
        grpc_slice slice = message_length > 0 ? grpc_slice_from_copied_buffer((const char *)message, message_length)
                                              : grpc_empty_slice();
        state->response = grpc_raw_byte_buffer_create(&slice, 1);
        grpc_slice_unref(slice);
        ops[count].op = GRPC_OP_SEND_MESSAGE;
        ops[count].data.send_message.send_message = state->response;
        count++;
    }
    ops[count].op = GRPC_OP_SEND_STATUS_FROM_SERVER;
    ops[count].data.send_status_from_server.status = status;
    if (status_message_length > 0) {
        state->status_details = grpc_slice_from_copied_buffer((const char *)status_message, status_message_length);
        state->has_status_details = 1;
        ops[count].data.send_status_from_server.status_details = &state->status_details;
    }
    if (status_bin != NULL) {
        state->trailing[0].key = grpc_slice_from_static_string("grpc-status-details-bin");
        state->trailing[0].value = grpc_slice_from_copied_buffer((const char *)status_bin, status_bin_length);
        state->trailing_count = 1;
        ops[count].data.send_status_from_server.trailing_metadata_count = 1;
        ops[count].data.send_status_from_server.trailing_metadata = state->trailing;
    }
    count++;
    ops[count].op = GRPC_OP_RECV_CLOSE_ON_SERVER;
    ops[count].data.recv_close_on_server.cancelled = &state->cancelled;
    count++;
    return grpc_call_start_batch(state->call, ops, count, state, NULL);
}

static inline gpr_timespec cgrpc_srv_infinite_future(void) { return gpr_inf_future(GPR_CLOCK_REALTIME); }

static inline void cgrpc_srv_discard_log(gpr_log_func_args *args) { (void)args; }

/// Stops the core's own log lines on stderr (a failed bind, a refused TLS handshake): the mock reports what
/// matters as sentences. Process-wide.
static inline void cgrpc_srv_silence_core_log(void) { gpr_set_log_function(cgrpc_srv_discard_log); }

// MARK: TLS server-name check (EP11Client's ServerNameCheck.hostOrHostAndPort on the C core). Owned by the client's
// TLS code (Sources/EP11/CoreTransport/CoreCredentials.swift). The core verifies the chain against the roots first;
// then it asks this external verifier, on a core thread, which hands the peer's leaf certificate (PEM, at most
// HPCS_TLS_MAXIMUM_PEER_CERTIFICATE bytes) to `check` synchronously. `check` returns nonzero to accept; on refusal it
// may set `*details` to a gpr_malloc'ed reason.
#include <string.h>
#include <grpc/support/string_util.h>

#define HPCS_TLS_MAXIMUM_PEER_CERTIFICATE (64 * 1024)

typedef int (*hpcs_tls_name_check_fn)(void *context, const char *leaf_pem, size_t length, char **details);
typedef void (*hpcs_tls_release_fn)(void *context);

/// The external verifier and what it calls; the core keeps a pointer to `external`, so the block lives until the
/// core destroys the verifier (then `release` lets go of `context` and the block is freed).
typedef struct hpcs_tls_name_verifier {
    grpc_tls_certificate_verifier_external external;
    void *context;
    hpcs_tls_name_check_fn check;
    hpcs_tls_release_fn release;
} hpcs_tls_name_verifier;

static inline int hpcs_tls_name_verifier_verify(
    void *user_data, grpc_tls_custom_verification_check_request *request,
    grpc_tls_on_custom_verification_check_done_cb callback, void *callback_arg, grpc_status_code *sync_status,
    char **sync_error_details) {
    (void)callback;
    (void)callback_arg;
    hpcs_tls_name_verifier *verifier = (hpcs_tls_name_verifier *)user_data;
    const char *pem = request != NULL ? request->peer_info.peer_cert : NULL;
    size_t length = pem != NULL ? strnlen(pem, HPCS_TLS_MAXIMUM_PEER_CERTIFICATE + 1) : 0;
    if (length == 0 || length > HPCS_TLS_MAXIMUM_PEER_CERTIFICATE) {
        *sync_status = GRPC_STATUS_UNAUTHENTICATED;
        *sync_error_details = gpr_strdup("certificate verify failed: no server certificate, or one over 64 KiB");
        return 1;
    }
    char *details = NULL;
    int accepted = verifier->check(verifier->context, pem, length, &details);
    if (accepted) {
        if (details != NULL) gpr_free(details);
        *sync_status = GRPC_STATUS_OK;
        *sync_error_details = NULL;
    } else {
        *sync_status = GRPC_STATUS_UNAUTHENTICATED;
        *sync_error_details = details != NULL ? details : gpr_strdup("certificate verify failed: name check");
    }
    return 1;
}

static inline void hpcs_tls_name_verifier_cancel(void *user_data, grpc_tls_custom_verification_check_request *request) {
    // Verification is synchronous: nothing is pending.
    (void)user_data;
    (void)request;
}

static inline void hpcs_tls_name_verifier_destruct(void *user_data) {
    hpcs_tls_name_verifier *verifier = (hpcs_tls_name_verifier *)user_data;
    verifier->release(verifier->context);
    gpr_free(verifier);
}

/// A certificate verifier that asks `check`; it owns `context` (one reference, let go with `release`). NULL when
/// memory runs out (then `release` has been called).
static inline grpc_tls_certificate_verifier *hpcs_tls_name_verifier_create(
    void *context, hpcs_tls_name_check_fn check, hpcs_tls_release_fn release) {
    hpcs_tls_name_verifier *verifier = (hpcs_tls_name_verifier *)gpr_zalloc(sizeof(hpcs_tls_name_verifier));
    if (verifier == NULL) {
        release(context);
        return NULL;
    }
    verifier->context = context;
    verifier->check = check;
    verifier->release = release;
    verifier->external.user_data = verifier;
    verifier->external.verify = hpcs_tls_name_verifier_verify;
    verifier->external.cancel = hpcs_tls_name_verifier_cancel;
    verifier->external.destruct = hpcs_tls_name_verifier_destruct;
    return grpc_tls_certificate_verifier_external_create(&verifier->external);
}

#endif
