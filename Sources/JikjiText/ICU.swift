import JikjiIO
import CICU

/// Facts about the ICU library Jikji is linked against (Debian's libicu, not Foundation's).
public enum ICU {
    /// ICU's version, e.g. "72.1".
    public static var version: String {
        var buffer = [CChar](repeating: 0, count: 32)
        guard jikji_icu_version(&buffer, Int32(buffer.count)) == 0 else { return "unknown" }
        return String(cString: buffer)
    }

    /// ICU's name for a status code.
    static func errorName(_ status: Int32) -> String { String(cString: jikji_icu_error_name(status)) }
}

/// A UTF-16 code-unit buffer transformed by ICU calls that report their needed size.
enum UTF16Call {
    /// Runs `body(dest, capacity, &status)` into `output`, growing `output` and retrying when ICU
    /// reports an overflow. Returns the length written, or throws on any other ICU error.
    static func run(into output: inout [UInt16], estimate: Int, what: String,
                    _ body: (UnsafeMutablePointer<UInt16>, Int32, inout Int32) -> Int32) throws -> Int {
        if output.count < estimate { output = [UInt16](repeating: 0, count: estimate) }
        while true {
            var status: Int32 = 0
            let written = output.withUnsafeMutableBufferPointer { raw in
                body(raw.baseAddress!, Int32(raw.count), &status)
            }
            if status == JIKJI_BUFFER_OVERFLOW {
                let need = max(Int(written), output.count * 2) + 16
                output = [UInt16](repeating: 0, count: need)
                continue
            }
            if status == 10 {  // U_INVALID_CHAR_FOUND: ill-formed UTF-8 on input
                throw TextInputError(.invalidUTF8, file: what, "invalid UTF-8")
            }
            if status > 0 {
                throw TextInputError(.icu, file: what, "ICU failed: \(ICU.errorName(status))")
            }
            return Int(written)
        }
    }
}

/// The four Unicode normalization forms (and NFKC with case folding), computed by ICU.
public enum NormalizationForm: String, CaseIterable, Sendable {
    case nfc, nfd, nfkc, nfkd
    /// NFKC followed by case folding (ICU's `NFKC_Casefold`).
    case nfkcCasefold = "nfkc-casefold"

    var icuForm: Int32 {
        switch self {
        case .nfc: return 0
        case .nfd: return 1
        case .nfkc: return 2
        case .nfkd: return 3
        case .nfkcCasefold: return 4
        }
    }

    /// ICU's shared normalizer instance for this form.
    var handle: UnsafeRawPointer {
        var status: Int32 = 0
        // ICU's built-in normalization data always loads with a linked libicudata.
        return jikji_normalizer(icuForm, &status)!
    }

    /// `text` in this normalization form (through ICU, so compatibility jamo compose under NFKC:
    /// "ㅁㅡ" becomes "므").
    public func normalize(_ text: String) -> String {
        let source = Array(text.utf16)
        var output = [UInt16]()
        let handle = self.handle
        let count = (try? UTF16Call.run(into: &output, estimate: source.count * 3 + 16, what: rawValue) {
            dest, capacity, status in jikji_normalize(handle, source, Int32(source.count), dest, capacity, &status)
        }) ?? 0
        return String(decoding: output[0..<count], as: UTF16.self)
    }
}
