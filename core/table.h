// Plain text tables for people: left-aligned columns, two spaces apart, a header row.
#pragma once

#include <string>
#include <vector>

namespace bgpdemo::core {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void Add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::size_t size() const { return rows_.size() - 1; }
  // Each row on its own line; trailing spaces trimmed.
  std::string Render() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// "5s", "3m07s", "2h05m", "4d03h".
std::string Duration(long long seconds);

}  // namespace bgpdemo::core
