import Foundation
import Testing

@testable import CertificateAuthorityServer

@Suite("Request bodies: an object of strings is read in one pass, exactly as JSONSerialization reads it")
struct FlatJSONTests {
    static func flat(_ text: String) -> [String: String]? {
        Array(text.utf8).withUnsafeBytes(FlatJSON.stringObject)
    }

    static func foundation(_ bytes: [UInt8]) -> [String: String]? {
        (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: String]
    }

    @Test(
        "read: the same members as JSONSerialization",
        arguments: [
            #"{"csr":"-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n","ott":"a.b.c"}"#,
            " \t\r\n{ \"a\" : \"1\" ,\n \"b\":\"\" } \n", "{}", " { } ", #"{"s":"\"\\\/\b\f\n\r\t"}"#,
            #"{"ünï":"çødé ✓"}"#, #"{"a":"x","b":"y","c":"z"}"#,
        ])
    func reads(text: String) throws {
        let read = try #require(Self.flat(text), "\(text)")
        #expect(read == Self.foundation(Array(text.utf8)), "\(text)")
    }

    @Test(
        "left to JSONSerialization: other types, \\u escapes, duplicates, bad syntax, control characters",
        arguments: [
            #"{"a":1}"#, #"{"a":null}"#, #"{"a":true}"#, #"{"a":["x"]}"#, #"{"a":{"b":"c"}}"#, #"{"a":"\u0041"}"#,
            #"{"a":"x","a":"y"}"#, #"{"a":"x",}"#, #"{"a":"x"} {}"#, #"{"a":"x""#, #"{"a" "x"}"#, "{\"a\":\"x\ny\"}",
            #"{"a":"\x"}"#, #"["a"]"#, "", "{", #"{'a':'x'}"#, #"{a:"x"}"#,
        ])
    func declines(text: String) {
        #expect(Self.flat(text) == nil, "\(text)")
    }

    @Test("bytes that are not UTF-8 are left to JSONSerialization")
    func invalidUTF8() {
        let bytes: [UInt8] = Array(#"{"a":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        #expect(bytes.withUnsafeBytes(FlatJSON.stringObject) == nil)
    }
}
