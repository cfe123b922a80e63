/* A stand-in for TensorRT's builder resource library (libnvinfer_builder_resource.so.<version>, from 11 one per GPU
 * architecture): the stand-in libnvinfer dlopens it by bare name when it creates a builder, as libnvinfer does. It
 * holds nothing; its soname is all that matters. Not TensorRT; never shipped. */
int fakeBuilderResource = 1;
