// Return values (`CKR_*`): every PKCS #11 v2.40 value, the IBM EP11 vendor values (`ep11.h`) and GREP11's (`grep11.h`).

extension ReturnValue {
    // MARK: PKCS #11 v2.40

    /// `CKR_OK` (0x0000_0000): The function completed successfully.
    public static let ok = ReturnValue(rawValue: 0x0000_0000)

    /// `CKR_CANCEL` (0x0000_0001): The application asked to cancel.
    public static let cancel = ReturnValue(rawValue: 0x0000_0001)

    /// `CKR_HOST_MEMORY` (0x0000_0002): The host ran out of memory.
    public static let hostMemory = ReturnValue(rawValue: 0x0000_0002)

    /// `CKR_SLOT_ID_INVALID` (0x0000_0003): The slot ID does not exist.
    public static let slotIDInvalid = ReturnValue(rawValue: 0x0000_0003)

    /// `CKR_GENERAL_ERROR` (0x0000_0005): An unrecoverable error occurred.
    public static let generalError = ReturnValue(rawValue: 0x0000_0005)

    /// `CKR_FUNCTION_FAILED` (0x0000_0006): The function could not be performed; no more specific code applies.
    public static let functionFailed = ReturnValue(rawValue: 0x0000_0006)

    /// `CKR_ARGUMENTS_BAD` (0x0000_0007): The arguments are inappropriate.
    public static let argumentsBad = ReturnValue(rawValue: 0x0000_0007)

    /// `CKR_NO_EVENT` (0x0000_0008): No slot event occurred.
    public static let noEvent = ReturnValue(rawValue: 0x0000_0008)

    /// `CKR_NEED_TO_CREATE_THREADS` (0x0000_0009): The library cannot create threads as it would need to.
    public static let needToCreateThreads = ReturnValue(rawValue: 0x0000_0009)

    /// `CKR_CANT_LOCK` (0x0000_000A): The requested locking is not available.
    public static let cantLock = ReturnValue(rawValue: 0x0000_000A)

    /// `CKR_ATTRIBUTE_READ_ONLY` (0x0000_0010): An attribute is read-only and cannot be set or changed.
    public static let attributeReadOnly = ReturnValue(rawValue: 0x0000_0010)

    /// `CKR_ATTRIBUTE_SENSITIVE` (0x0000_0011): An attribute is sensitive and cannot be revealed.
    public static let attributeSensitive = ReturnValue(rawValue: 0x0000_0011)

    /// `CKR_ATTRIBUTE_TYPE_INVALID` (0x0000_0012): An attribute type is not valid.
    public static let attributeTypeInvalid = ReturnValue(rawValue: 0x0000_0012)

    /// `CKR_ATTRIBUTE_VALUE_INVALID` (0x0000_0013): An attribute value is not valid.
    public static let attributeValueInvalid = ReturnValue(rawValue: 0x0000_0013)

    /// `CKR_ACTION_PROHIBITED` (0x0000_001B): The action is prohibited by policy.
    public static let actionProhibited = ReturnValue(rawValue: 0x0000_001B)

    /// `CKR_DATA_INVALID` (0x0000_0020): The plaintext input is not valid.
    public static let dataInvalid = ReturnValue(rawValue: 0x0000_0020)

    /// `CKR_DATA_LEN_RANGE` (0x0000_0021): The plaintext input has the wrong length.
    public static let dataLenRange = ReturnValue(rawValue: 0x0000_0021)

    /// `CKR_DEVICE_ERROR` (0x0000_0030): The token or slot has a problem.
    public static let deviceError = ReturnValue(rawValue: 0x0000_0030)

    /// `CKR_DEVICE_MEMORY` (0x0000_0031): The token ran out of memory.
    public static let deviceMemory = ReturnValue(rawValue: 0x0000_0031)

    /// `CKR_DEVICE_REMOVED` (0x0000_0032): The token was removed during the function.
    public static let deviceRemoved = ReturnValue(rawValue: 0x0000_0032)

    /// `CKR_ENCRYPTED_DATA_INVALID` (0x0000_0040): The ciphertext is not valid.
    public static let encryptedDataInvalid = ReturnValue(rawValue: 0x0000_0040)

    /// `CKR_ENCRYPTED_DATA_LEN_RANGE` (0x0000_0041): The ciphertext has the wrong length.
    public static let encryptedDataLenRange = ReturnValue(rawValue: 0x0000_0041)

    /// `CKR_FUNCTION_CANCELED` (0x0000_0050): The function was cancelled (EP11 also uses this for a policy refusal).
    public static let functionCanceled = ReturnValue(rawValue: 0x0000_0050)

    /// `CKR_FUNCTION_NOT_PARALLEL` (0x0000_0051): No function executes in parallel in this session.
    public static let functionNotParallel = ReturnValue(rawValue: 0x0000_0051)

    /// `CKR_FUNCTION_NOT_SUPPORTED` (0x0000_0054): The function is not supported.
    public static let functionNotSupported = ReturnValue(rawValue: 0x0000_0054)

    /// `CKR_KEY_HANDLE_INVALID` (0x0000_0060): The key handle is not valid.
    public static let keyHandleInvalid = ReturnValue(rawValue: 0x0000_0060)

    /// `CKR_KEY_SIZE_RANGE` (0x0000_0062): The key size is outside the supported range.
    public static let keySizeRange = ReturnValue(rawValue: 0x0000_0062)

    /// `CKR_KEY_TYPE_INCONSISTENT` (0x0000_0063): The key type does not match the mechanism.
    public static let keyTypeInconsistent = ReturnValue(rawValue: 0x0000_0063)

    /// `CKR_KEY_NOT_NEEDED` (0x0000_0064): A key was supplied where none is needed.
    public static let keyNotNeeded = ReturnValue(rawValue: 0x0000_0064)

    /// `CKR_KEY_CHANGED` (0x0000_0065): A key has changed since it was last used (state restore).
    public static let keyChanged = ReturnValue(rawValue: 0x0000_0065)

    /// `CKR_KEY_NEEDED` (0x0000_0066): A key is needed to restore the state.
    public static let keyNeeded = ReturnValue(rawValue: 0x0000_0066)

    /// `CKR_KEY_INDIGESTIBLE` (0x0000_0067): The key cannot be digested.
    public static let keyIndigestible = ReturnValue(rawValue: 0x0000_0067)

    /// `CKR_KEY_FUNCTION_NOT_PERMITTED` (0x0000_0068): The key's attributes do not allow this operation.
    public static let keyFunctionNotPermitted = ReturnValue(rawValue: 0x0000_0068)

    /// `CKR_KEY_NOT_WRAPPABLE` (0x0000_0069): The key cannot be wrapped.
    public static let keyNotWrappable = ReturnValue(rawValue: 0x0000_0069)

    /// `CKR_KEY_UNEXTRACTABLE` (0x0000_006A): The key is not extractable.
    public static let keyUnextractable = ReturnValue(rawValue: 0x0000_006A)

    /// `CKR_MECHANISM_INVALID` (0x0000_0070): The mechanism is not valid or not supported for this operation.
    public static let mechanismInvalid = ReturnValue(rawValue: 0x0000_0070)

    /// `CKR_MECHANISM_PARAM_INVALID` (0x0000_0071): The mechanism parameter is not valid.
    public static let mechanismParamInvalid = ReturnValue(rawValue: 0x0000_0071)

    /// `CKR_OBJECT_HANDLE_INVALID` (0x0000_0082): The object handle is not valid.
    public static let objectHandleInvalid = ReturnValue(rawValue: 0x0000_0082)

    /// `CKR_OPERATION_ACTIVE` (0x0000_0090): Another operation is already active.
    public static let operationActive = ReturnValue(rawValue: 0x0000_0090)

    /// `CKR_OPERATION_NOT_INITIALIZED` (0x0000_0091): No operation of this kind is active (or the state blob is not valid).
    public static let operationNotInitialized = ReturnValue(rawValue: 0x0000_0091)

    /// `CKR_PIN_INCORRECT` (0x0000_00A0): The PIN is wrong.
    public static let pinIncorrect = ReturnValue(rawValue: 0x0000_00A0)

    /// `CKR_PIN_INVALID` (0x0000_00A1): The PIN contains invalid characters.
    public static let pinInvalid = ReturnValue(rawValue: 0x0000_00A1)

    /// `CKR_PIN_LEN_RANGE` (0x0000_00A2): The PIN has the wrong length.
    public static let pinLenRange = ReturnValue(rawValue: 0x0000_00A2)

    /// `CKR_PIN_EXPIRED` (0x0000_00A3): The PIN has expired.
    public static let pinExpired = ReturnValue(rawValue: 0x0000_00A3)

    /// `CKR_PIN_LOCKED` (0x0000_00A4): The PIN is locked.
    public static let pinLocked = ReturnValue(rawValue: 0x0000_00A4)

    /// `CKR_SESSION_CLOSED` (0x0000_00B0): The session was closed during the function.
    public static let sessionClosed = ReturnValue(rawValue: 0x0000_00B0)

    /// `CKR_SESSION_COUNT` (0x0000_00B1): Too many sessions are open.
    public static let sessionCount = ReturnValue(rawValue: 0x0000_00B1)

    /// `CKR_SESSION_HANDLE_INVALID` (0x0000_00B3): The session handle is not valid.
    public static let sessionHandleInvalid = ReturnValue(rawValue: 0x0000_00B3)

    /// `CKR_SESSION_PARALLEL_NOT_SUPPORTED` (0x0000_00B4): Parallel sessions are not supported.
    public static let sessionParallelNotSupported = ReturnValue(rawValue: 0x0000_00B4)

    /// `CKR_SESSION_READ_ONLY` (0x0000_00B5): The session is read-only.
    public static let sessionReadOnly = ReturnValue(rawValue: 0x0000_00B5)

    /// `CKR_SESSION_EXISTS` (0x0000_00B6): A session is open, so the token cannot be initialised.
    public static let sessionExists = ReturnValue(rawValue: 0x0000_00B6)

    /// `CKR_SESSION_READ_ONLY_EXISTS` (0x0000_00B7): A read-only session exists, so the SO cannot log in.
    public static let sessionReadOnlyExists = ReturnValue(rawValue: 0x0000_00B7)

    /// `CKR_SESSION_READ_WRITE_SO_EXISTS` (0x0000_00B8): A read/write SO session exists, so a read-only session cannot be opened.
    public static let sessionReadWriteSOExists = ReturnValue(rawValue: 0x0000_00B8)

    /// `CKR_SIGNATURE_INVALID` (0x0000_00C0): The signature does not verify.
    public static let signatureInvalid = ReturnValue(rawValue: 0x0000_00C0)

    /// `CKR_SIGNATURE_LEN_RANGE` (0x0000_00C1): The signature has the wrong length.
    public static let signatureLenRange = ReturnValue(rawValue: 0x0000_00C1)

    /// `CKR_TEMPLATE_INCOMPLETE` (0x0000_00D0): The template lacks attributes needed to create the object.
    public static let templateIncomplete = ReturnValue(rawValue: 0x0000_00D0)

    /// `CKR_TEMPLATE_INCONSISTENT` (0x0000_00D1): The template has conflicting attributes.
    public static let templateInconsistent = ReturnValue(rawValue: 0x0000_00D1)

    /// `CKR_TOKEN_NOT_PRESENT` (0x0000_00E0): The token is not present.
    public static let tokenNotPresent = ReturnValue(rawValue: 0x0000_00E0)

    /// `CKR_TOKEN_NOT_RECOGNIZED` (0x0000_00E1): The token is not recognised.
    public static let tokenNotRecognized = ReturnValue(rawValue: 0x0000_00E1)

    /// `CKR_TOKEN_WRITE_PROTECTED` (0x0000_00E2): The token is write-protected.
    public static let tokenWriteProtected = ReturnValue(rawValue: 0x0000_00E2)

    /// `CKR_UNWRAPPING_KEY_HANDLE_INVALID` (0x0000_00F0): The unwrapping key handle is not valid.
    public static let unwrappingKeyHandleInvalid = ReturnValue(rawValue: 0x0000_00F0)

    /// `CKR_UNWRAPPING_KEY_SIZE_RANGE` (0x0000_00F1): The unwrapping key size is outside the supported range.
    public static let unwrappingKeySizeRange = ReturnValue(rawValue: 0x0000_00F1)

    /// `CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT` (0x0000_00F2): The unwrapping key type does not match the mechanism.
    public static let unwrappingKeyTypeInconsistent = ReturnValue(rawValue: 0x0000_00F2)

    /// `CKR_USER_ALREADY_LOGGED_IN` (0x0000_0100): The user is already logged in.
    public static let userAlreadyLoggedIn = ReturnValue(rawValue: 0x0000_0100)

    /// `CKR_USER_NOT_LOGGED_IN` (0x0000_0101): The user is not logged in.
    public static let userNotLoggedIn = ReturnValue(rawValue: 0x0000_0101)

    /// `CKR_USER_PIN_NOT_INITIALIZED` (0x0000_0102): The user PIN has not been initialised.
    public static let userPINNotInitialized = ReturnValue(rawValue: 0x0000_0102)

    /// `CKR_USER_TYPE_INVALID` (0x0000_0103): The user type is not valid.
    public static let userTypeInvalid = ReturnValue(rawValue: 0x0000_0103)

    /// `CKR_USER_ANOTHER_ALREADY_LOGGED_IN` (0x0000_0104): Another user is already logged in.
    public static let userAnotherAlreadyLoggedIn = ReturnValue(rawValue: 0x0000_0104)

    /// `CKR_USER_TOO_MANY_TYPES` (0x0000_0105): Too many distinct users are logged in.
    public static let userTooManyTypes = ReturnValue(rawValue: 0x0000_0105)

    /// `CKR_WRAPPED_KEY_INVALID` (0x0000_0110): The wrapped key is not valid.
    public static let wrappedKeyInvalid = ReturnValue(rawValue: 0x0000_0110)

    /// `CKR_WRAPPED_KEY_LEN_RANGE` (0x0000_0112): The wrapped key has the wrong length.
    public static let wrappedKeyLenRange = ReturnValue(rawValue: 0x0000_0112)

    /// `CKR_WRAPPING_KEY_HANDLE_INVALID` (0x0000_0113): The wrapping key handle is not valid.
    public static let wrappingKeyHandleInvalid = ReturnValue(rawValue: 0x0000_0113)

    /// `CKR_WRAPPING_KEY_SIZE_RANGE` (0x0000_0114): The wrapping key size is outside the supported range.
    public static let wrappingKeySizeRange = ReturnValue(rawValue: 0x0000_0114)

    /// `CKR_WRAPPING_KEY_TYPE_INCONSISTENT` (0x0000_0115): The wrapping key type does not match the mechanism.
    public static let wrappingKeyTypeInconsistent = ReturnValue(rawValue: 0x0000_0115)

    /// `CKR_RANDOM_SEED_NOT_SUPPORTED` (0x0000_0120): The random number generator cannot be seeded.
    public static let randomSeedNotSupported = ReturnValue(rawValue: 0x0000_0120)

    /// `CKR_RANDOM_NO_RNG` (0x0000_0121): The token has no random number generator.
    public static let randomNoRNG = ReturnValue(rawValue: 0x0000_0121)

    /// `CKR_DOMAIN_PARAMS_INVALID` (0x0000_0130): The domain parameters are not valid or not supported.
    public static let domainParamsInvalid = ReturnValue(rawValue: 0x0000_0130)

    /// `CKR_CURVE_NOT_SUPPORTED` (0x0000_0140): The curve is not supported.
    public static let curveNotSupported = ReturnValue(rawValue: 0x0000_0140)

    /// `CKR_BUFFER_TOO_SMALL` (0x0000_0150): The output buffer is too small.
    public static let bufferTooSmall = ReturnValue(rawValue: 0x0000_0150)

    /// `CKR_SAVED_STATE_INVALID` (0x0000_0160): The saved state is not valid.
    public static let savedStateInvalid = ReturnValue(rawValue: 0x0000_0160)

    /// `CKR_INFORMATION_SENSITIVE` (0x0000_0170): The requested information is sensitive.
    public static let informationSensitive = ReturnValue(rawValue: 0x0000_0170)

    /// `CKR_STATE_UNSAVEABLE` (0x0000_0180): The operation state cannot be saved.
    public static let stateUnsaveable = ReturnValue(rawValue: 0x0000_0180)

    /// `CKR_CRYPTOKI_NOT_INITIALIZED` (0x0000_0190): The library has not been initialised.
    public static let cryptokiNotInitialized = ReturnValue(rawValue: 0x0000_0190)

    /// `CKR_CRYPTOKI_ALREADY_INITIALIZED` (0x0000_0191): The library is already initialised.
    public static let cryptokiAlreadyInitialized = ReturnValue(rawValue: 0x0000_0191)

    /// `CKR_MUTEX_BAD` (0x0000_01A0): A bad mutex object was passed.
    public static let mutexBad = ReturnValue(rawValue: 0x0000_01A0)

    /// `CKR_MUTEX_NOT_LOCKED` (0x0000_01A1): The mutex was not locked.
    public static let mutexNotLocked = ReturnValue(rawValue: 0x0000_01A1)

    /// `CKR_NEW_PIN_MODE` (0x0000_01B0): A new PIN mode is needed.
    public static let newPINMode = ReturnValue(rawValue: 0x0000_01B0)

    /// `CKR_NEXT_OTP` (0x0000_01B1): The next one-time password is needed.
    public static let nextOTP = ReturnValue(rawValue: 0x0000_01B1)

    /// `CKR_EXCEEDED_MAX_ITERATIONS` (0x0000_01B5): An iterative algorithm ran out of iterations.
    public static let exceededMaxIterations = ReturnValue(rawValue: 0x0000_01B5)

    /// `CKR_FIPS_SELF_TEST_FAILED` (0x0000_01B6): A FIPS 140 self-test failed.
    public static let fipsSelfTestFailed = ReturnValue(rawValue: 0x0000_01B6)

    /// `CKR_LIBRARY_LOAD_FAILED` (0x0000_01B7): A required library could not be loaded.
    public static let libraryLoadFailed = ReturnValue(rawValue: 0x0000_01B7)

    /// `CKR_PIN_TOO_WEAK` (0x0000_01B8): The PIN is too weak.
    public static let pinTooWeak = ReturnValue(rawValue: 0x0000_01B8)

    /// `CKR_PUBLIC_KEY_INVALID` (0x0000_01B9): The public key fails a consistency check.
    public static let publicKeyInvalid = ReturnValue(rawValue: 0x0000_01B9)

    /// `CKR_FUNCTION_REJECTED` (0x0000_0200): The signature request was rejected by the user.
    public static let functionRejected = ReturnValue(rawValue: 0x0000_0200)

    /// `CKR_VENDOR_DEFINED` (0x8000_0000): Start of the vendor-defined range.
    public static let vendorDefined = ReturnValue(rawValue: 0x8000_0000)

    // MARK: IBM EP11 (ep11.h)

    /// `CKR_IBM_WKID_MISMATCH` (0x8001_0001): The blob was made under a different wrapping key (IBM).
    public static let ibmWKIDMismatch = ReturnValue(rawValue: 0x8001_0001)

    /// `CKR_IBM_INTERNAL_ERROR` (0x8001_0002): Internal HSM error (IBM).
    public static let ibmInternalError = ReturnValue(rawValue: 0x8001_0002)

    /// `CKR_IBM_TRANSPORT_ERROR` (0x8001_0003): Error between the host library and the HSM (IBM).
    public static let ibmTransportError = ReturnValue(rawValue: 0x8001_0003)

    /// `CKR_IBM_BLOB_ERROR` (0x8001_0004): The blob is malformed or fails its integrity check (IBM).
    public static let ibmBlobError = ReturnValue(rawValue: 0x8001_0004)

    /// `CKR_IBM_BLOBKEY_CONFLICT` (0x8001_0005): The wrapping key changed during the request, so the result could not be returned (IBM).
    public static let ibmBlobKeyConflict = ReturnValue(rawValue: 0x8001_0005)

    /// `CKR_IBM_MODE_CONFLICT` (0x8001_0006): Mode conflict (IBM).
    public static let ibmModeConflict = ReturnValue(rawValue: 0x8001_0006)

    /// `CKR_IBM_NONCRT_KEY_SIZE` (0x8001_0008): An RSA key in non-CRT form has an unsupported size (IBM).
    public static let ibmNonCRTKeySize = ReturnValue(rawValue: 0x8001_0008)

    /// `CKR_IBM_WK_NOT_INITIALIZED` (0x8001_0009): The domain has no wrapping key (IBM).
    public static let ibmWKNotInitialized = ReturnValue(rawValue: 0x8001_0009)

    /// `CKR_IBM_OA_API_ERROR` (0x8001_000A): Outbound-authentication (card certificate) error (IBM).
    public static let ibmOAAPIError = ReturnValue(rawValue: 0x8001_000A)

    /// `CKR_IBM_REQ_TIMEOUT` (0x8001_000B): A long-running request (e.g. prime generation) did not finish in time (IBM).
    public static let ibmRequestTimeout = ReturnValue(rawValue: 0x8001_000B)

    /// `CKR_IBM_READONLY` (0x8001_000C): The backend is read-only and rejects state changes (IBM).
    public static let ibmReadOnly = ReturnValue(rawValue: 0x8001_000C)

    /// `CKR_IBM_STATIC_POLICY` (0x8001_000D): The backend policy does not allow the request (IBM).
    public static let ibmStaticPolicy = ReturnValue(rawValue: 0x8001_000D)

    /// `CKR_IBM_TRANSPORT_LIMIT` (0x8001_0010): The backend may not return the requested number of bytes (IBM).
    public static let ibmTransportLimit = ReturnValue(rawValue: 0x8001_0010)

    /// `CKR_IBM_FCV_NOT_SET` (0x8001_0011): No function control vector is loaded (IBM).
    public static let ibmFCVNotSet = ReturnValue(rawValue: 0x8001_0011)

    /// `CKR_IBM_PERF_CATEGORY_INVALID` (0x8001_0012): The performance category has not been set (IBM).
    public static let ibmPerformanceCategoryInvalid = ReturnValue(rawValue: 0x8001_0012)

    /// `CKR_IBM_API_MISMATCH` (0x8001_0013): Unknown API ordinal or function identifier (IBM).
    public static let ibmAPIMismatch = ReturnValue(rawValue: 0x8001_0013)

    /// `CKR_IBM_TARGET_INVALID` (0x8001_0030): The target token is not valid (IBM).
    public static let ibmTargetInvalid = ReturnValue(rawValue: 0x8001_0030)

    /// `CKR_IBM_PQC_PARAMS_NOT_SUPPORTED` (0x8001_0031): The post-quantum parameter set is not supported (IBM).
    public static let ibmPQCParamsNotSupported = ReturnValue(rawValue: 0x8001_0031)

    /// `CKR_IBM_PARAM_NOT_SUPPORTED` (0x8001_0032): The parameter is not supported (IBM).
    public static let ibmParamNotSupported = ReturnValue(rawValue: 0x8001_0032)

    /// `CKR_IBM_SESSION_IMMUTABLE` (0x8001_0033): The session cannot be changed (IBM).
    public static let ibmSessionImmutable = ReturnValue(rawValue: 0x8001_0033)

    /// `CKR_IBM_ERROR_STATE` (0x8001_0101): The HSM's internal crypto engine verification failed (IBM).
    public static let ibmErrorState = ReturnValue(rawValue: 0x8001_0101)

    // MARK: GREP11 (grep11.h)

    /// `CKR_VENDOR_DEFINED_GREP11` (0x8004_0000): Start of the GREP11 server's vendor range.
    public static let grep11VendorDefined = ReturnValue(rawValue: 0x8004_0000)

    /// `CKR_IBM_GREP11_NOT_AUTHENTICATED` (0x8004_0001): The request is not authenticated (GREP11).
    public static let grep11NotAuthenticated = ReturnValue(rawValue: 0x8004_0001)

    /// `CKR_IBM_GREP11_CANNOT_UNMARSHAL` (0x8004_0002): The server could not decode the request (GREP11).
    public static let grep11CannotUnmarshal = ReturnValue(rawValue: 0x8004_0002)

    /// `CKR_IBM_GREP11_CANNOT_MARSHAL` (0x8004_0003): The server could not encode the response (GREP11).
    public static let grep11CannotMarshal = ReturnValue(rawValue: 0x8004_0003)

    /// `CKR_IBM_GREP11_CONFLICT` (0x8004_0004): Conflicting update (GREP11).
    public static let grep11Conflict = ReturnValue(rawValue: 0x8004_0004)

    /// `CKR_IBM_GREP11_DBINTERNAL` (0x8004_0005): Internal key-store database error (GREP11).
    public static let grep11DBInternal = ReturnValue(rawValue: 0x8004_0005)

    /// `CKR_IBM_GREP11_MISSING` (0x8004_0006): The referenced object is missing (GREP11).
    public static let grep11Missing = ReturnValue(rawValue: 0x8004_0006)

    /// `CKR_IBM_GREP11_REPLAY` (0x8004_0007): Replayed request (GREP11).
    public static let grep11Replay = ReturnValue(rawValue: 0x8004_0007)
}

extension ReturnValue {
    /// Canonical names, in declaration order. The first name listed for a value is its primary name;
    /// later ones are aliases that `init?(name:)` accepts.
    public static let knownNames = PKCS11NameTable(
        prefix: "CKR_",
        [
            (ok.rawValue, "CKR_OK"),
            (cancel.rawValue, "CKR_CANCEL"),
            (hostMemory.rawValue, "CKR_HOST_MEMORY"),
            (slotIDInvalid.rawValue, "CKR_SLOT_ID_INVALID"),
            (generalError.rawValue, "CKR_GENERAL_ERROR"),
            (functionFailed.rawValue, "CKR_FUNCTION_FAILED"),
            (argumentsBad.rawValue, "CKR_ARGUMENTS_BAD"),
            (noEvent.rawValue, "CKR_NO_EVENT"),
            (needToCreateThreads.rawValue, "CKR_NEED_TO_CREATE_THREADS"),
            (cantLock.rawValue, "CKR_CANT_LOCK"),
            (attributeReadOnly.rawValue, "CKR_ATTRIBUTE_READ_ONLY"),
            (attributeSensitive.rawValue, "CKR_ATTRIBUTE_SENSITIVE"),
            (attributeTypeInvalid.rawValue, "CKR_ATTRIBUTE_TYPE_INVALID"),
            (attributeValueInvalid.rawValue, "CKR_ATTRIBUTE_VALUE_INVALID"),
            (actionProhibited.rawValue, "CKR_ACTION_PROHIBITED"),
            (dataInvalid.rawValue, "CKR_DATA_INVALID"),
            (dataLenRange.rawValue, "CKR_DATA_LEN_RANGE"),
            (deviceError.rawValue, "CKR_DEVICE_ERROR"),
            (deviceMemory.rawValue, "CKR_DEVICE_MEMORY"),
            (deviceRemoved.rawValue, "CKR_DEVICE_REMOVED"),
            (encryptedDataInvalid.rawValue, "CKR_ENCRYPTED_DATA_INVALID"),
            (encryptedDataLenRange.rawValue, "CKR_ENCRYPTED_DATA_LEN_RANGE"),
            (functionCanceled.rawValue, "CKR_FUNCTION_CANCELED"),
            (functionNotParallel.rawValue, "CKR_FUNCTION_NOT_PARALLEL"),
            (functionNotSupported.rawValue, "CKR_FUNCTION_NOT_SUPPORTED"),
            (keyHandleInvalid.rawValue, "CKR_KEY_HANDLE_INVALID"),
            (keySizeRange.rawValue, "CKR_KEY_SIZE_RANGE"),
            (keyTypeInconsistent.rawValue, "CKR_KEY_TYPE_INCONSISTENT"),
            (keyNotNeeded.rawValue, "CKR_KEY_NOT_NEEDED"),
            (keyChanged.rawValue, "CKR_KEY_CHANGED"),
            (keyNeeded.rawValue, "CKR_KEY_NEEDED"),
            (keyIndigestible.rawValue, "CKR_KEY_INDIGESTIBLE"),
            (keyFunctionNotPermitted.rawValue, "CKR_KEY_FUNCTION_NOT_PERMITTED"),
            (keyNotWrappable.rawValue, "CKR_KEY_NOT_WRAPPABLE"),
            (keyUnextractable.rawValue, "CKR_KEY_UNEXTRACTABLE"),
            (mechanismInvalid.rawValue, "CKR_MECHANISM_INVALID"),
            (mechanismParamInvalid.rawValue, "CKR_MECHANISM_PARAM_INVALID"),
            (objectHandleInvalid.rawValue, "CKR_OBJECT_HANDLE_INVALID"),
            (operationActive.rawValue, "CKR_OPERATION_ACTIVE"),
            (operationNotInitialized.rawValue, "CKR_OPERATION_NOT_INITIALIZED"),
            (pinIncorrect.rawValue, "CKR_PIN_INCORRECT"),
            (pinInvalid.rawValue, "CKR_PIN_INVALID"),
            (pinLenRange.rawValue, "CKR_PIN_LEN_RANGE"),
            (pinExpired.rawValue, "CKR_PIN_EXPIRED"),
            (pinLocked.rawValue, "CKR_PIN_LOCKED"),
            (sessionClosed.rawValue, "CKR_SESSION_CLOSED"),
            (sessionCount.rawValue, "CKR_SESSION_COUNT"),
            (sessionHandleInvalid.rawValue, "CKR_SESSION_HANDLE_INVALID"),
            (sessionParallelNotSupported.rawValue, "CKR_SESSION_PARALLEL_NOT_SUPPORTED"),
            (sessionReadOnly.rawValue, "CKR_SESSION_READ_ONLY"),
            (sessionExists.rawValue, "CKR_SESSION_EXISTS"),
            (sessionReadOnlyExists.rawValue, "CKR_SESSION_READ_ONLY_EXISTS"),
            (sessionReadWriteSOExists.rawValue, "CKR_SESSION_READ_WRITE_SO_EXISTS"),
            (signatureInvalid.rawValue, "CKR_SIGNATURE_INVALID"),
            (signatureLenRange.rawValue, "CKR_SIGNATURE_LEN_RANGE"),
            (templateIncomplete.rawValue, "CKR_TEMPLATE_INCOMPLETE"),
            (templateInconsistent.rawValue, "CKR_TEMPLATE_INCONSISTENT"),
            (tokenNotPresent.rawValue, "CKR_TOKEN_NOT_PRESENT"),
            (tokenNotRecognized.rawValue, "CKR_TOKEN_NOT_RECOGNIZED"),
            (tokenWriteProtected.rawValue, "CKR_TOKEN_WRITE_PROTECTED"),
            (unwrappingKeyHandleInvalid.rawValue, "CKR_UNWRAPPING_KEY_HANDLE_INVALID"),
            (unwrappingKeySizeRange.rawValue, "CKR_UNWRAPPING_KEY_SIZE_RANGE"),
            (unwrappingKeyTypeInconsistent.rawValue, "CKR_UNWRAPPING_KEY_TYPE_INCONSISTENT"),
            (userAlreadyLoggedIn.rawValue, "CKR_USER_ALREADY_LOGGED_IN"),
            (userNotLoggedIn.rawValue, "CKR_USER_NOT_LOGGED_IN"),
            (userPINNotInitialized.rawValue, "CKR_USER_PIN_NOT_INITIALIZED"),
            (userTypeInvalid.rawValue, "CKR_USER_TYPE_INVALID"),
            (userAnotherAlreadyLoggedIn.rawValue, "CKR_USER_ANOTHER_ALREADY_LOGGED_IN"),
            (userTooManyTypes.rawValue, "CKR_USER_TOO_MANY_TYPES"),
            (wrappedKeyInvalid.rawValue, "CKR_WRAPPED_KEY_INVALID"),
            (wrappedKeyLenRange.rawValue, "CKR_WRAPPED_KEY_LEN_RANGE"),
            (wrappingKeyHandleInvalid.rawValue, "CKR_WRAPPING_KEY_HANDLE_INVALID"),
            (wrappingKeySizeRange.rawValue, "CKR_WRAPPING_KEY_SIZE_RANGE"),
            (wrappingKeyTypeInconsistent.rawValue, "CKR_WRAPPING_KEY_TYPE_INCONSISTENT"),
            (randomSeedNotSupported.rawValue, "CKR_RANDOM_SEED_NOT_SUPPORTED"),
            (randomNoRNG.rawValue, "CKR_RANDOM_NO_RNG"),
            (domainParamsInvalid.rawValue, "CKR_DOMAIN_PARAMS_INVALID"),
            (curveNotSupported.rawValue, "CKR_CURVE_NOT_SUPPORTED"),
            (bufferTooSmall.rawValue, "CKR_BUFFER_TOO_SMALL"),
            (savedStateInvalid.rawValue, "CKR_SAVED_STATE_INVALID"),
            (informationSensitive.rawValue, "CKR_INFORMATION_SENSITIVE"),
            (stateUnsaveable.rawValue, "CKR_STATE_UNSAVEABLE"),
            (cryptokiNotInitialized.rawValue, "CKR_CRYPTOKI_NOT_INITIALIZED"),
            (cryptokiAlreadyInitialized.rawValue, "CKR_CRYPTOKI_ALREADY_INITIALIZED"),
            (mutexBad.rawValue, "CKR_MUTEX_BAD"),
            (mutexNotLocked.rawValue, "CKR_MUTEX_NOT_LOCKED"),
            (newPINMode.rawValue, "CKR_NEW_PIN_MODE"),
            (nextOTP.rawValue, "CKR_NEXT_OTP"),
            (exceededMaxIterations.rawValue, "CKR_EXCEEDED_MAX_ITERATIONS"),
            (fipsSelfTestFailed.rawValue, "CKR_FIPS_SELF_TEST_FAILED"),
            (libraryLoadFailed.rawValue, "CKR_LIBRARY_LOAD_FAILED"),
            (pinTooWeak.rawValue, "CKR_PIN_TOO_WEAK"),
            (publicKeyInvalid.rawValue, "CKR_PUBLIC_KEY_INVALID"),
            (functionRejected.rawValue, "CKR_FUNCTION_REJECTED"),
            (vendorDefined.rawValue, "CKR_VENDOR_DEFINED"),
            (ibmWKIDMismatch.rawValue, "CKR_IBM_WKID_MISMATCH"),
            (ibmInternalError.rawValue, "CKR_IBM_INTERNAL_ERROR"),
            (ibmTransportError.rawValue, "CKR_IBM_TRANSPORT_ERROR"),
            (ibmBlobError.rawValue, "CKR_IBM_BLOB_ERROR"),
            (ibmBlobKeyConflict.rawValue, "CKR_IBM_BLOBKEY_CONFLICT"),
            (ibmModeConflict.rawValue, "CKR_IBM_MODE_CONFLICT"),
            (ibmNonCRTKeySize.rawValue, "CKR_IBM_NONCRT_KEY_SIZE"),
            (ibmWKNotInitialized.rawValue, "CKR_IBM_WK_NOT_INITIALIZED"),
            (ibmOAAPIError.rawValue, "CKR_IBM_OA_API_ERROR"),
            (ibmRequestTimeout.rawValue, "CKR_IBM_REQ_TIMEOUT"),
            (ibmReadOnly.rawValue, "CKR_IBM_READONLY"),
            (ibmStaticPolicy.rawValue, "CKR_IBM_STATIC_POLICY"),
            (ibmTransportLimit.rawValue, "CKR_IBM_TRANSPORT_LIMIT"),
            (ibmFCVNotSet.rawValue, "CKR_IBM_FCV_NOT_SET"),
            (ibmPerformanceCategoryInvalid.rawValue, "CKR_IBM_PERF_CATEGORY_INVALID"),
            (ibmAPIMismatch.rawValue, "CKR_IBM_API_MISMATCH"),
            (ibmTargetInvalid.rawValue, "CKR_IBM_TARGET_INVALID"),
            (ibmPQCParamsNotSupported.rawValue, "CKR_IBM_PQC_PARAMS_NOT_SUPPORTED"),
            (ibmParamNotSupported.rawValue, "CKR_IBM_PARAM_NOT_SUPPORTED"),
            (ibmSessionImmutable.rawValue, "CKR_IBM_SESSION_IMMUTABLE"),
            (ibmErrorState.rawValue, "CKR_IBM_ERROR_STATE"),
            (grep11VendorDefined.rawValue, "CKR_VENDOR_DEFINED_GREP11"),
            (grep11NotAuthenticated.rawValue, "CKR_IBM_GREP11_NOT_AUTHENTICATED"),
            (grep11CannotUnmarshal.rawValue, "CKR_IBM_GREP11_CANNOT_UNMARSHAL"),
            (grep11CannotMarshal.rawValue, "CKR_IBM_GREP11_CANNOT_MARSHAL"),
            (grep11Conflict.rawValue, "CKR_IBM_GREP11_CONFLICT"),
            (grep11DBInternal.rawValue, "CKR_IBM_GREP11_DBINTERNAL"),
            (grep11Missing.rawValue, "CKR_IBM_GREP11_MISSING"),
            (grep11Replay.rawValue, "CKR_IBM_GREP11_REPLAY"),
        ]
    )
}
