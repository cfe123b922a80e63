// A stand-in libnvonnxparser for the stand-in libnvinfer (fake_builder.cpp): it reads an ONNX model's graph inputs
// and outputs (a few protobuf fields, no more) and builds the network through INetworkDefinition as the real parser
// does: addInput for each graph input (dims from dim_value, -1 for a dim_param or unknown dim), then for each graph
// output an identity layer over the first input of the same rank and element type, named as the output and marked.
// An output with no such input is a parser error naming the output, as the real parser names the node it failed on.
// Linked against libnvinfer.so.<major>, as the real one is, so trtjs's loader sees it bound to the libnvinfer it opened.
// Not TensorRT; never shipped.
#include <NvInfer.h>
#include <NvOnnxParser.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "defaults.h"

extern "C" int32_t getInferLibVersion() noexcept;  // from the stand-in libnvinfer: keeps the dependency

namespace fake_parser {

namespace {

// ---- a protobuf reader for the handful of fields needed -------------------------------------------------------

struct Field {
  uint32_t number = 0;
  uint32_t wire = 0;
  uint64_t value = 0;             // varint
  const uint8_t* data = nullptr;  // length-delimited
  size_t size = 0;
};

class Reader {
 public:
  Reader(const uint8_t* p, size_t n) : p_(p), end_(p + n) {}
  bool next(Field& f) {
    if (p_ >= end_) return false;
    uint64_t key = 0;
    if (!varint(key)) return fail();
    f.number = static_cast<uint32_t>(key >> 3);
    f.wire = static_cast<uint32_t>(key & 7);
    switch (f.wire) {
      case 0:
        return varint(f.value) || fail();
      case 1:
        if (end_ - p_ < 8) return fail();
        p_ += 8;
        return true;
      case 2: {
        uint64_t n = 0;
        if (!varint(n) || n > static_cast<uint64_t>(end_ - p_)) return fail();
        f.data = p_;
        f.size = static_cast<size_t>(n);
        p_ += n;
        return true;
      }
      case 5:
        if (end_ - p_ < 4) return fail();
        p_ += 4;
        return true;
      default:
        return fail();
    }
  }
  bool ok() const { return ok_; }

 private:
  bool varint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && p_ < end_; shift += 7) {
      const uint8_t b = *p_++;
      out |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (!(b & 0x80)) return true;
    }
    return false;
  }
  bool fail() {
    ok_ = false;
    p_ = end_;
    return false;
  }
  const uint8_t* p_;
  const uint8_t* end_;
  bool ok_ = true;
};

struct ValueInfo {
  std::string name;
  int elemType = 0;
  std::vector<int64_t> dims;
};

// ValueInfoProto: name 1, type 2 → TypeProto.tensor_type 1 → elem_type 1, shape 2 → dim 1 → dim_value 1 | dim_param 2.
bool readValueInfo(const uint8_t* p, size_t n, ValueInfo& out) {
  Reader r(p, n);
  Field f;
  while (r.next(f)) {
    if (f.number == 1 && f.wire == 2) out.name.assign(reinterpret_cast<const char*>(f.data), f.size);
    if (f.number != 2 || f.wire != 2) continue;
    Reader type(f.data, f.size);
    Field t;
    while (type.next(t)) {
      if (t.number != 1 || t.wire != 2) continue;
      Reader tensor(t.data, t.size);
      Field e;
      while (tensor.next(e)) {
        if (e.number == 1 && e.wire == 0) out.elemType = static_cast<int>(e.value);
        if (e.number != 2 || e.wire != 2) continue;
        Reader shape(e.data, e.size);
        Field d;
        while (shape.next(d)) {
          if (d.number != 1 || d.wire != 2) continue;
          Reader dim(d.data, d.size);
          Field v;
          int64_t value = -1;
          while (dim.next(v))
            if (v.number == 1 && v.wire == 0 && static_cast<int64_t>(v.value) > 0) value = static_cast<int64_t>(v.value);
          out.dims.push_back(value);
        }
      }
    }
  }
  return r.ok() && !out.name.empty();
}

struct Graph {
  std::vector<ValueInfo> inputs, outputs;
  std::vector<std::string> initializers;
};

// ModelProto.graph 7 → GraphProto: initializer 5 (TensorProto.name 8), input 11, output 12.
bool readModel(const uint8_t* p, size_t n, Graph& g) {
  Reader model(p, n);
  Field f;
  bool found = false;
  while (model.next(f)) {
    if (f.number != 7 || f.wire != 2) continue;
    found = true;
    Reader graph(f.data, f.size);
    Field x;
    while (graph.next(x)) {
      if (x.wire != 2) continue;
      if (x.number == 5) {
        Reader t(x.data, x.size);
        Field y;
        while (t.next(y))
          if (y.number == 8 && y.wire == 2) g.initializers.emplace_back(reinterpret_cast<const char*>(y.data), y.size);
      } else if (x.number == 11 || x.number == 12) {
        ValueInfo v;
        if (!readValueInfo(x.data, x.size, v)) return false;
        (x.number == 11 ? g.inputs : g.outputs).push_back(v);
      }
    }
    if (!graph.ok()) return false;
  }
  return model.ok() && found;
}

// ONNX TensorProto.DataType → nvinfer1::DataType (as int); -1 when TensorRT has no such IO type.
int trtType(int onnx) {
  switch (onnx) {
    case 1:
      return 0;  // FLOAT
    case 10:
      return 1;  // FLOAT16
    case 3:
      return 2;  // INT8
    case 6:
      return 3;  // INT32
    case 9:
      return 4;  // BOOL
    case 2:
      return 5;  // UINT8
    case 16:
      return NV_TENSORRT_MAJOR >= 9 ? 7 : -1;  // BFLOAT16
    case 7:
      return NV_TENSORRT_MAJOR >= 10 ? 8 : 3;  // INT64 (cast to INT32 before TensorRT 10)
    default:
      return -1;
  }
}

nvinfer1::Dims toDims(const std::vector<int64_t>& v) {
  nvinfer1::Dims d{};
  d.nbDims = static_cast<int32_t>(v.size());
  for (size_t i = 0; i < v.size() && i < static_cast<size_t>(nvinfer1::Dims::MAX_DIMS); ++i) d.d[i] = static_cast<decltype(d.d[0] + 0)>(v[i]);
  return d;
}

class ParserError : public DefaultParserError {
 public:
  ParserError(int node, std::string name, std::string op, std::string desc) : node_(node), name_(std::move(name)), op_(std::move(op)), desc_(std::move(desc)) {}
  nvonnxparser::ErrorCode code() const noexcept override { return nvonnxparser::ErrorCode::kINVALID_GRAPH; }
  char const* desc() const noexcept override { return desc_.c_str(); }
  char const* file() const noexcept override { return "fake_onnxparser.cpp"; }
  int line() const noexcept override { return 0; }
  char const* func() const noexcept override { return "parse"; }
  int node() const noexcept override { return node_; }
#if NV_TENSORRT_MAJOR >= 10
  char const* nodeName() const noexcept override { return name_.c_str(); }
  char const* nodeOperator() const noexcept override { return op_.c_str(); }
#endif

 private:
  int node_;
  std::string name_, op_, desc_;
};

class Parser : public DefaultParser {
 public:
  Parser(nvinfer1::INetworkDefinition* network, nvinfer1::ILogger* logger) : network_(network), logger_(logger) {}
#if NV_TENSORRT_MAJOR >= 10
  bool parse(void const* model, size_t size, const char* = nullptr) noexcept override {
#else
  bool parse(void const* model, size_t size, const char* = nullptr) override {
#endif
    Graph g;
    if (!model || !readModel(static_cast<const uint8_t*>(model), size, g))
      return error(-1, "", "", "Failed to parse ONNX model from the bytes given (not an ONNX ModelProto)");
    std::vector<nvinfer1::ITensor*> inputs;
    std::vector<const ValueInfo*> infos;
    for (const ValueInfo& in : g.inputs) {
      bool initializer = false;
      for (const std::string& n : g.initializers) initializer = initializer || n == in.name;
      if (initializer) continue;  // IR < 4 lists initializers among the inputs
      const int type = trtType(in.elemType);
      if (type < 0)
        return error(-1, in.name, "", "input '" + in.name + "' has ONNX element type " + std::to_string(in.elemType) + ", which TensorRT does not take");
      nvinfer1::ITensor* t = network_->addInput(in.name.c_str(), static_cast<nvinfer1::DataType>(type), toDims(in.dims));
      if (!t) return error(-1, in.name, "", "addInput failed for '" + in.name + "'");
      inputs.push_back(t);
      infos.push_back(&in);
    }
    for (size_t o = 0; o < g.outputs.size(); ++o) {
      const ValueInfo& out = g.outputs[o];
      nvinfer1::ITensor* source = nullptr;
      for (size_t i = 0; i < inputs.size() && !source; ++i)
        if (infos[i]->dims.size() == out.dims.size() && infos[i]->elemType == out.elemType) source = inputs[i];
      if (!source)
        return error(static_cast<int>(o), out.name, "Identity",
                     "the stand-in parser makes each output a copy of an input of its rank and type; output '" + out.name + "' has none");
      nvinfer1::IIdentityLayer* layer = network_->addIdentity(*source);
      if (!layer) return error(static_cast<int>(o), out.name, "Identity", "addIdentity failed");
      nvinfer1::ITensor* t = layer->getOutput(0);
      t->setName(out.name.c_str());
      network_->markOutput(*t);
    }
    return true;
  }
#if NV_TENSORRT_MAJOR >= 10
  int getNbErrors() const noexcept override { return static_cast<int>(errors_.size()); }
  nvonnxparser::IParserError const* getError(int i) const noexcept override {
#else
  int getNbErrors() const override { return static_cast<int>(errors_.size()); }
  nvonnxparser::IParserError const* getError(int i) const override {
#endif
    return i >= 0 && static_cast<size_t>(i) < errors_.size() ? errors_[static_cast<size_t>(i)].get() : nullptr;
  }
#if NV_TENSORRT_MAJOR >= 10
  void clearErrors() noexcept override { errors_.clear(); }
#else
  void clearErrors() override { errors_.clear(); }
#endif

 private:
  bool error(int node, const std::string& name, const std::string& op, const std::string& desc) {
    errors_.push_back(std::make_unique<ParserError>(node, name, op, desc));
    if (logger_) logger_->log(nvinfer1::ILogger::Severity::kERROR, ("fake ONNX parser: " + desc).c_str());
    return false;
  }
  nvinfer1::INetworkDefinition* network_;
  nvinfer1::ILogger* logger_;
  std::vector<std::unique_ptr<ParserError>> errors_;
};

}  // namespace
}  // namespace fake_parser

extern "C" __attribute__((visibility("default"))) void* createNvOnnxParser_INTERNAL(void* network, void* logger, int) {
  if (getInferLibVersion() <= 0) return nullptr;
  return static_cast<nvonnxparser::IParser*>(
      new fake_parser::Parser(static_cast<nvinfer1::INetworkDefinition*>(network), static_cast<nvinfer1::ILogger*>(logger)));
}
