import JikjiConfig

/// Typed access to a parsed tokenizer.json for ``HFTokenizerJSON/init(json:path:)``: every
/// accessor names the key path in its error.
struct HFTokenizerJSONReader {
    let path: String

    func value(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> JSONValue {
        guard let value = parent.member(key) else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is missing")
        }
        return value
    }

    func object(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> JSONValue {
        let value = try value(parent, key, at: keyPath)
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an object")
        }
        return value
    }

    func string(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> String {
        guard let string = try value(parent, key, at: keyPath).stringValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not a string")
        }
        return string
    }

    func int(_ parent: JSONValue, _ key: String, at keyPath: String) throws -> Int {
        guard let int = try value(parent, key, at: keyPath).intValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not an integer")
        }
        return int
    }

    func bool(_ parent: JSONValue, _ key: String, at keyPath: String, default fallback: Bool) throws -> Bool {
        guard let value = parent.member(key), !value.isNull else { return fallback }
        guard let bool = value.boolValue else {
            throw HFTokenizerJSONError.badKey(path: path, key: keyPath, problem: "is not true or false")
        }
        return bool
    }

    /// `BertProcessing` or `TemplateProcessing`; HF reads a post-processor without `type` by
    /// its fields (`cls`/`sep`, or `single`/`pair`/`special_tokens`), and so does Jikji.
    func postProcessor(_ object: JSONValue, vocabulary: [String]) throws -> HFTokenizerJSON.PostProcessor {
        var type = object.member("type")?.stringValue
        if type == nil {
            if object.member("single") != nil { type = "TemplateProcessing" }
            else if object.member("cls") != nil, object.member("sep") != nil, object.member("trim_offsets") == nil {
                type = "BertProcessing"
            }
        }
        switch type {
        case "BertProcessing"?:
            // HF uses the ids written here, whatever the vocabulary gives those tokens.
            func pair(_ key: String) throws -> (String, Int) {
                guard case .array(let array)? = object.member(key), array.count == 2,
                      let token = array[0].stringValue, let id = array[1].intValue, id >= 0, id <= Int(Int32.max) else {
                    throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.\(key)",
                                                      problem: "is not a [token, id] pair")
                }
                return (token, id)
            }
            let cls = try pair("cls"), sep = try pair("sep")
            return .bert(.init(cls: cls.0, clsId: cls.1, sep: sep.0, sepId: sep.1))
        case "TemplateProcessing"?:
            return .template(try template(object, vocabulary: vocabulary))
        default:
            throw HFTokenizerJSONError.unsupported(path: path, key: "post_processor.type", found: type ?? "(none)",
                                                   supported: "BertProcessing, TemplateProcessing or null")
        }
    }

    /// A `TemplateProcessing` as written. Hub files without `special_tokens` take the ids from
    /// the vocabulary; without `pair`, pairs follow BERT's template.
    func template(_ object: JSONValue, vocabulary: [String]) throws -> TemplatePostProcessor {
        func pieces(_ key: String) throws -> [TemplatePostProcessor.Piece] {
            guard let list = object.member(key), !list.isNull else { return [] }
            guard case .array(let items) = list else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.\(key)", problem: "is not an array")
            }
            return try items.enumerated().map { index, item in
                let at = "post_processor.\(key)[\(index)]"
                let typeId = try item.member("SpecialToken").map { try self.typeId($0, at: at) }
                    ?? item.member("Sequence").map { try self.typeId($0, at: at) } ?? 0
                if let special = item.member("SpecialToken"), let name = special.member("id")?.stringValue {
                    return .special(name, typeId: typeId)
                }
                if let sequence = item.member("Sequence"), let id = sequence.member("id")?.stringValue,
                   let which = TemplatePostProcessor.Sequence(rawValue: id) {
                    return .sequence(which, typeId: typeId)
                }
                throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "is neither a SpecialToken nor a Sequence A/B")
            }
        }
        let single = try pieces("single"), pair = try pieces("pair")
        guard single.filter({ if case .sequence(.a, _) = $0 { return true }; return false }).count == 1,
              !single.contains(where: { if case .sequence(.b, _) = $0 { return true }; return false }) else {
            throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.single", problem: "must hold $A once and no $B")
        }
        var specials: [TemplatePostProcessor.SpecialToken] = []
        if case .object(let members)? = object.member("special_tokens") {
            for (name, value) in members {
                let at = "post_processor.special_tokens.\(name)"
                guard case .array(let ids)? = value.member("ids"), case .array(let tokens)? = value.member("tokens") else {
                    throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "lacks ids or tokens")
                }
                let idValues = try ids.map { v -> Int32 in
                    guard let id = v.intValue, id >= 0, id <= Int(Int32.max) else {
                        throw HFTokenizerJSONError.badKey(path: path, key: "\(at).ids", problem: "holds a value that is not an id")
                    }
                    return Int32(id)
                }
                let tokenValues = try tokens.map { v -> String in
                    guard let t = v.stringValue else {
                        throw HFTokenizerJSONError.badKey(path: path, key: "\(at).tokens", problem: "holds a value that is not a string")
                    }
                    return t
                }
                guard idValues.count == tokenValues.count else {
                    throw HFTokenizerJSONError.badKey(path: path, key: at, problem: "has \(idValues.count) ids but \(tokenValues.count) tokens")
                }
                specials.append(.init(name: value.member("id")?.stringValue ?? name, ids: idValues, tokens: tokenValues))
            }
        }
        // Every special token the templates name must be defined.
        for piece in single + pair {
            guard case let .special(name, _) = piece,
                  !specials.contains(where: { $0.name.utf8.elementsEqual(name.utf8) }) else { continue }
            guard let id = vocabulary.firstIndex(where: { $0.utf8.elementsEqual(name.utf8) }) else {
                throw HFTokenizerJSONError.badKey(path: path, key: "post_processor.special_tokens",
                                                  problem: "does not define '\(name)', which the template uses")
            }
            specials.append(.init(name: name, ids: [Int32(id)], tokens: [name]))
        }
        return TemplatePostProcessor(single: single, pair: pair, specialTokens: specials)
    }

    func typeId(_ piece: JSONValue, at keyPath: String) throws -> UInt8 {
        guard let value = piece.member("type_id") else { return 0 }
        guard let id = value.intValue, id >= 0, id <= 255 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "\(keyPath).type_id", problem: "is not a type id (0…255)")
        }
        return UInt8(id)
    }

    /// `truncation`: null, or `{max_length, stride, strategy, direction}`.
    func truncation(_ value: JSONValue?) throws -> TruncationOptions? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation", problem: "is not an object or null")
        }
        let maxLength = try int(value, "max_length", at: "truncation.max_length")
        let stride = value.member("stride") == nil ? 0 : try int(value, "stride", at: "truncation.stride")
        guard maxLength >= 0, stride >= 0 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation", problem: "has a negative max_length or stride")
        }
        let strategies: [String: TruncationOptions.Strategy] = ["LongestFirst": .longestFirst, "OnlyFirst": .onlyFirst,
                                                                "OnlySecond": .onlySecond]
        let strategyName = value.member("strategy")?.stringValue ?? "LongestFirst"
        guard let strategy = strategies[strategyName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation.strategy",
                                              problem: "is '\(strategyName)'; allowed: LongestFirst, OnlyFirst, OnlySecond")
        }
        let directionName = value.member("direction")?.stringValue ?? "Right"
        guard let direction = ["Right": TruncationOptions.Direction.right, "Left": .left][directionName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "truncation.direction", problem: "is '\(directionName)'; allowed: Right, Left")
        }
        return TruncationOptions(maxLength: maxLength, stride: stride, strategy: strategy, direction: direction)
    }

    /// `padding`: null, or `{strategy: "BatchLongest" | {"Fixed": n}, direction, pad_to_multiple_of, pad_id, pad_type_id, pad_token}`.
    func padding(_ value: JSONValue?) throws -> PaddingOptions? {
        guard let value, !value.isNull else { return nil }
        guard case .object = value else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding", problem: "is not an object or null")
        }
        let strategy: PaddingOptions.Strategy
        switch value.member("strategy") {
        case .string("BatchLongest")?, nil: strategy = .batchLongest
        case let fixed? where fixed.member("Fixed") != nil:
            let n = try int(fixed, "Fixed", at: "padding.strategy.Fixed")
            guard n >= 0 else { throw HFTokenizerJSONError.badKey(path: path, key: "padding.strategy.Fixed", problem: "is negative") }
            strategy = .fixed(n)
        default:
            throw HFTokenizerJSONError.badKey(path: path, key: "padding.strategy", problem: "is not \"BatchLongest\" or {\"Fixed\": n}")
        }
        let directionName = value.member("direction")?.stringValue ?? "Right"
        guard let direction = ["Right": PaddingOptions.Direction.right, "Left": .left][directionName] else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding.direction", problem: "is '\(directionName)'; allowed: Right, Left")
        }
        var multiple: Int?
        if let m = value.member("pad_to_multiple_of"), !m.isNull {
            guard let n = m.intValue, n >= 0 else {
                throw HFTokenizerJSONError.badKey(path: path, key: "padding.pad_to_multiple_of", problem: "is not a count")
            }
            multiple = n
        }
        let padId = value.member("pad_id") == nil ? 0 : try int(value, "pad_id", at: "padding.pad_id")
        let padTypeId = value.member("pad_type_id") == nil ? 0 : try int(value, "pad_type_id", at: "padding.pad_type_id")
        guard padId >= 0, padId <= Int(Int32.max), padTypeId >= 0, padTypeId <= 255 else {
            throw HFTokenizerJSONError.badKey(path: path, key: "padding", problem: "has a pad_id or pad_type_id out of range")
        }
        let padToken = value.member("pad_token") == nil ? "[PAD]" : try string(value, "pad_token", at: "padding.pad_token")
        return PaddingOptions(strategy: strategy, direction: direction, padToMultipleOf: multiple, padId: Int32(padId),
                              padTypeId: UInt8(padTypeId), padToken: padToken)
    }
}
