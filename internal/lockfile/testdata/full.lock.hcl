# This file is maintained by kirofile. Commit it and review its changes;
# approvals are recorded here. Do not edit it by hand.
version = 1

plugin "bedrock" {
  source = "./plugins/kirofile-provider-bedrock"
  sha256 = "2d7f45d7b98b427f824e0c643295583e9cf013faffdb5e7095d070ff85276bf4"
}

plugin "wordcount" {
  source = "./plugins/kirofile-action-wordcount"
  sha256 = {
    darwin_arm64 = "f5cdc7c1ff3c0f623038a263dbddb29f893508f1ea95337361070d8946a6bc1b"
    linux_amd64  = "9c7d3cc1bee7acc045c697d6d56fd8d9a1732f31ccd59c2a56872456e648f72d"
  }
}

node "feature.email.codegen.sender.task[\"2.1\"]" {
  fingerprint = "sha256:5dcff99ad5f72dce3e382864d34df0a4de8d943ec746fa8eaba763506818d796"
  status      = "generated"
  attempts    = 2
  inputs = {
    config                                             = "sha256:e23bf6edb2f01d9f37475ebcf1a5e595494f15d61bf46c701f7d9ef5fbee9409"
    "depends.feature.email.codegen.sender.task[\"1\"]" = "sha256:eeb69108ca46415241be70d571443bc1223be75aa2a29d444f8deb5f3d2d8a76"
    task                                               = "sha256:abfe13caeb3f5187cee4b2f6920399072caa330ddd3708ae2d3fd34b85c4e7e1"
  }
  outputs = {
    "services/email/send.go" = "sha256:be1a26a0a39d1b142416f8bd3bfca3a179a00bed2ac5f85448a4780477ff18fc"
  }
  hooks = {
    "go vet" = 0
    gofmt    = 0
    test     = 0
  }
  usage {
    prompt_tokens     = 900
    completion_tokens = 300
  }
}

node "feature.email.spec.design" {
  fingerprint = "sha256:8cd0502dbd316fc76ce52b72f81697f5eb404d5c9bcc8de34de27746493fb16c"
  status      = "failed"
  attempts    = 3
  error       = "hook \"test\" failed:\n\tFAIL ./... $${not a template} %%{nor this}"
  inputs = {
    config                                     = "sha256:f309dd9c31fe24b3e594d2f9420419c48dfe954523245d5f35dc37739970d881"
    "upstream.feature.email.spec.requirements" = "sha256:86fc0f7ac0ef5f9ff155177af43de574d1b651d763b78eaafd3c88e66b9b55de"
  }
  usage {
    prompt_tokens     = 0
    completion_tokens = 17
    estimated         = true
  }
}

node "feature.email.spec.requirements" {
  fingerprint = "sha256:cc2177b5418e7514657fad6e61984eed37b76015572464113f11b0d952b264d1"
  status      = "generated"
  attempts    = 1
  inputs = {
    config   = "sha256:b79606fb3afea5bd1609ed40b622142f1c98125abcfe89a76a661b0e8e343910"
    provider = "sha256:5c4c1964340aca5b65393bbe9d3249cdd71be26665b3320ad694f034f2743283"
    steering = "sha256:01f542f9e3cd2bc379a9a58c254e10dc04d627da379a4d80482e4c328f674bfc"
    template = "sha256:5cde0f1298f41f7d1c8b907a36992a7a513225a2615bd6e307bf1a9149b06b40"
  }
  outputs = {
    ".kiro/specs/email/requirements.md" = "sha256:86fc0f7ac0ef5f9ff155177af43de574d1b651d763b78eaafd3c88e66b9b55de"
  }
  usage {
    prompt_tokens     = 1200
    cached_tokens     = 200
    completion_tokens = 800
    cost              = "0.01075"
    currency          = "USD"
  }
  approval {
    sha256       = "sha256:86fc0f7ac0ef5f9ff155177af43de574d1b651d763b78eaafd3c88e66b9b55de"
    fingerprint  = "sha256:cc2177b5418e7514657fad6e61984eed37b76015572464113f11b0d952b264d1"
    by           = "ana@example.com"
    at           = "2026-11-25T10:00:00Z"
    check_errors = 2
    hooks        = "pending"
  }
}

node "feature.handwritten.spec.design" {
  approval {
    sha256 = "sha256:1b001706a418bdfca35361355c643b7918572b8f9b7503f3043a6e23b45dce52"
    by     = "bo@example.com"
    at     = "2026-11-25T11:00:00Z"
  }
}
