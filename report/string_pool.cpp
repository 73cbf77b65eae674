// NAME
//	string_pool 3
// SUMMARY
//	interned texts in blocks, an open-addressing index of their ids
// DESCRIPTION
//	The index holds ids, linear probing, at most half full; a text's slot
//	is found from its hash and confirmed by comparing the text. Texts go
//	into 64 KiB blocks; one longer than a quarter block gets a block of
//	its own, so that the newest block's free space is not wasted on it.
#include "report/string_pool.hpp"

#include <cstring>
#include <functional>

namespace milter503::report {
namespace {

constexpr size_t block_bytes = size_t{64} * 1024;

}  // namespace

StringPool::StringPool() : texts_{std::string_view()}, slots_(1024, empty) {}

size_t StringPool::home(std::string_view text) const {
    return std::hash<std::string_view>{}(text) & (slots_.size() - 1);
}

std::string_view StringPool::store(std::string_view text) {
    if (text.size() > block_bytes / 4) {
        blocks_.push_back(std::make_unique<char[]>(text.size()));
        std::memcpy(blocks_.back().get(), text.data(), text.size());
        return {blocks_.back().get(), text.size()};
    }
    if (text.size() > left_) {
        blocks_.push_back(std::make_unique<char[]>(block_bytes));
        next_ = blocks_.back().get();
        left_ = block_bytes;
    }
    std::memcpy(next_, text.data(), text.size());
    const std::string_view stored(next_, text.size());
    next_ += text.size();
    left_ -= text.size();
    return stored;
}

void StringPool::grow() {
    std::vector<Id> old(slots_.size() * 2, empty);
    old.swap(slots_);
    for (const Id id : old) {
        if (id == empty)
            continue;
        size_t i = home(texts_[id]);
        while (slots_[i] != empty)
            i = (i + 1) & (slots_.size() - 1);
        slots_[i] = id;
    }
}

size_t StringPool::slot_of(std::string_view text) const {
    size_t i = home(text);
    while (slots_[i] != empty && texts_[slots_[i]] != text)
        i = (i + 1) & (slots_.size() - 1);
    return i;
}

std::optional<StringPool::Id> StringPool::find(std::string_view text) const {
    if (text.empty())
        return empty;
    const Id id = slots_[slot_of(text)];
    return id == empty ? std::nullopt : std::optional<Id>(id);
}

StringPool::Id StringPool::intern(std::string_view text) {
    if (text.empty())
        return empty;
    const size_t slot = slot_of(text);
    if (slots_[slot] != empty)
        return slots_[slot];
    const auto id = static_cast<Id>(texts_.size());
    texts_.push_back(store(text));
    slots_[slot] = id;
    if (texts_.size() * 2 > slots_.size())
        grow();
    return id;
}

}  // namespace milter503::report
