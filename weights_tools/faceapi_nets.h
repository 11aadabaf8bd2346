// face-api (@vladmandic/face-api 1.7.15) networks, written once in C++ from the package's TypeScript
// source (`src/`) and filled with the weights of `model/NAME-weights_manifest.json` + `.bin`.
//
// Every graph takes float32 NHWC RGB in 0..255, already padded to a square and resized to the net's
// input size (NetInput.toBatchTensor's output), and starts with the net's own normalisation as
// Sub/Div nodes in TF.js's order. Outputs are what face-api's forward code returns:
//
//   net_name                 input            output(s)
//   tiny_face_detector       [-1,-1,-1,3]     [N,S/32,S/32,25] raw conv8 (TinyYolov2Base.runMobilenet;
//                                             S any multiple of 32, 416 by default), no decoding
//   face_landmark_68         [-1,112,112,3]   [N,136] raw fc = FaceProcessor.runNet (x0,y0,x1,...
//   face_landmark_68_tiny    [-1,112,112,3]   relative to the 112 input), before postProcess
//   face_recognition_model   [-1,150,150,3]   [N,128] descriptor (FaceRecognitionNet.forwardInput)
//   ssd_mobilenetv1          [1,512,512,3]    boxes [1,5118,4] (ymin,xmin,ymax,xmax, decoded with the
//                                             anchors as outputLayer does) and scores [1,5118]
//                                             (sigmoid of class 1); NMS is left to the caller
//
// Static parts are folded: face_recognition's per-channel scale layer into its convs, ssd's batch
// norms into its depthwise convs, `pad 1 + depthwise VALID` into explicit padding, leaky ReLU into
// the conv's activation. Every weight tensor's name lists the manifest entries it was made from.
#pragma once
#include <string>
#include <vector>

#include "lfr/format/builder.h"

namespace lfr::tools {

// Throws lfr::Error for an unknown net_name, a missing or malformed manifest, or a manifest whose
// entries do not match the architecture (missing, unused or wrongly shaped weights).
ConvertedModel convert_faceapi(const std::string& net_name, const std::string& model_dir);

// The net names convert_faceapi accepts, and each one's manifest file stem in model_dir.
const std::vector<std::string>& faceapi_net_names();
std::string faceapi_model_stem(const std::string& net_name);

}  // namespace lfr::tools
