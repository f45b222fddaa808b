#include "keeper/abi/log.hpp"

#include "keeper/core/hex.hpp"

namespace keeper::abi {

bool is_hashed_when_indexed(const Type& type) noexcept {
    switch (type.kind()) {
        case TypeKind::kUint:
        case TypeKind::kInt:
        case TypeKind::kAddress:
        case TypeKind::kBool:
        case TypeKind::kFixedBytes:
            return false;
        default:
            return true;
    }
}

Result<std::vector<LogField>> decode_log(const Event& event, std::span<const Hash32> topics, ByteView data,
                                         DecodeMode mode) {
    std::size_t indexed = 0;
    for (const auto& p : event.inputs) indexed += p.indexed ? 1 : 0;
    std::size_t first = 0;
    if (!event.anonymous) {
        if (topics.empty()) return fail(AbiErrc::kTopicMismatch, event.signature() + ": the log has no topic 0");
        if (topics[0] != event.topic0())
            return fail(AbiErrc::kTopicMismatch, "topic 0 " + to_hex(topics[0]) + " is not " + event.signature() +
                                                     " (" + to_hex(event.topic0()) + ")");
        first = 1;
    }
    if (topics.size() - first != indexed)
        return fail(AbiErrc::kTopicMismatch, event.signature() + " has " + std::to_string(indexed) +
                                                 " indexed parameters, the log has " +
                                                 std::to_string(topics.size() - first) + " topics for them");

    std::vector<Type> data_types;
    for (const auto& p : event.inputs)
        if (!p.indexed) data_types.push_back(p.type);
    auto values = decode(data_types, data, mode);
    if (!values) return Unexpected(std::move(values).error().within(event.signature() + " data"));

    std::vector<LogField> fields;
    fields.reserve(event.inputs.size());
    std::size_t next_topic = first;
    std::size_t next_value = 0;
    for (const auto& p : event.inputs) {
        LogField f{p.name, {}, p.indexed, false};
        if (!p.indexed) {
            f.value = std::move((*values)[next_value++]);
        } else {
            const Hash32& topic = topics[next_topic++];
            if (is_hashed_when_indexed(p.type)) {
                f.hashed = true;
                f.value = BytesN::from(topic.view());
            } else {
                auto v = decode_word(p.type, topic.span(), mode);
                if (!v)
                    return Unexpected(
                        std::move(v).error().within("topic " + std::to_string(next_topic - 1) + " ('" + p.name + "')"));
                f.value = std::move(*v);
            }
        }
        fields.push_back(std::move(f));
    }
    return fields;
}

Result<DecodedLog> decode_log(const Abi& abi, std::span<const Hash32> topics, ByteView data, DecodeMode mode) {
    if (topics.empty()) return fail(AbiErrc::kNotFound, "a log without topics can only be an anonymous event");
    const Event* event = abi.event_by_topic(topics[0]);
    if (event == nullptr) return fail(AbiErrc::kNotFound, "no event with topic 0 " + to_hex(topics[0]) + " in the ABI");
    auto fields = decode_log(*event, topics, data, mode);
    if (!fields) return Unexpected(std::move(fields).error());
    return DecodedLog{event, std::move(*fields)};
}

}  // namespace keeper::abi
