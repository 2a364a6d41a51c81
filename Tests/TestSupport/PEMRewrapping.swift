/// `pem` with the base64 body of every block re-wrapped at `width` columns and `separator` as every line end
/// (`"\r\n"` for CRLF), for tests of lenient PEM readers (RFC 7468 allows any width and either line end).
package func rewrappedPEM(_ pem: String, width: Int, separator: String = "\n") -> String {
    var output: [String] = []
    var body = ""
    for line in pem.split(separator: "\n").map(String.init) {
        if line.hasPrefix("-----BEGIN ") {
            output.append(line)
            body = ""
        } else if line.hasPrefix("-----END ") {
            var index = body.startIndex
            while index < body.endIndex {
                let end = body.index(index, offsetBy: width, limitedBy: body.endIndex) ?? body.endIndex
                output.append(String(body[index..<end]))
                index = end
            }
            output.append(line)
        } else {
            body += line
        }
    }
    return output.joined(separator: separator) + separator
}
