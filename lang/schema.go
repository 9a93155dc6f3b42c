package lang

import "github.com/hashicorp/hcl/v2"

// Block schemas. Decoding a body against these makes HCL itself report
// unknown blocks and attributes, missing required ones and wrong label
// counts, each with its source range.

var rootSchema = &hcl.BodySchema{
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "kirofile"},
		{Type: "variable", LabelNames: []string{"name"}},
		{Type: "locals"},
		{Type: "provider", LabelNames: []string{"type", "name"}},
		{Type: "steering", LabelNames: []string{"name"}},
		{Type: "feature", LabelNames: []string{"name"}},
		{Type: "hook", LabelNames: []string{"name"}},
		{Type: "budget"},
	},
}

var settingsSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{{Name: "required_version"}, {Name: "max_prompt_tokens"}},
	Blocks:     []hcl.BlockHeaderSchema{{Type: "plugin", LabelNames: []string{"name"}}},
}

var pluginSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "source", Required: true},
		{Name: "kind"},
	},
}

var variableSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "type"},
		{Name: "default"},
		{Name: "description"},
		{Name: "sensitive"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "validation"}},
}

var validationSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "condition", Required: true},
		{Name: "error_message", Required: true},
	},
}

var steeringSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "file"},
		{Name: "content"},
		{Name: "match"},
		{Name: "inclusion"},
	},
}

var featureSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "description"},
		{Name: "provider"},
		{Name: "workflow"},
	},
	Blocks: []hcl.BlockHeaderSchema{
		{Type: "spec", LabelNames: []string{"name"}},
		{Type: "codegen", LabelNames: []string{"name"}},
		{Type: "budget"},
	},
}

var specSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "kind"},
		{Name: "prompt"},
		{Name: "path"},
		{Name: "approval"},
		{Name: "provider"},
		{Name: "depends_on"},
	},
}

var codegenSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "outputs", Required: true},
		{Name: "context"},
		{Name: "hooks"},
		{Name: "max_attempts"},
		{Name: "prompt"},
		{Name: "provider"},
		{Name: "depends_on"},
		{Name: "each"},
		{Name: "optional_tasks"},
	},
}

var hookSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "on", Required: true},
		{Name: "feedback"},
		{Name: "match"},
	},
	Blocks: []hcl.BlockHeaderSchema{{Type: "action", LabelNames: []string{"type"}}},
}

var execActionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "command", Required: true},
		{Name: "timeout"},
		{Name: "env"},
		{Name: "dir"},
	},
}

var prDescriptionSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "output"},
	},
}

// builtinProviderAttrs lists the attributes each built-in provider accepts.
// Third-party providers accept any attribute: their plugin checks them.
var builtinProviderAttrs = map[string]map[string]bool{
	"openai": {
		"model": true, "base_url": true, "api_key": true, "api_key_env": true,
		"temperature": true, "max_tokens": true, "headers": true, "timeout": true,
		"stream": true, "max_attempts": true, "call_timeout": true, "max_reply_bytes": true,
		"price": true, "tokenizer": true,
	},
	"replay": {
		"cassette": true, "mode": true,
		"model": true, "base_url": true, "api_key": true, "api_key_env": true,
		"temperature": true, "max_tokens": true, "headers": true, "timeout": true,
		"stream": true, "max_attempts": true, "call_timeout": true, "max_reply_bytes": true,
		"price": true, "tokenizer": true,
	},
}

// HostProviderAttrs are the attributes of every provider block, a
// third-party one's too, that kirofile applies to the calls itself: a
// bound on a whole generation, and on a reply's size; and those of cost,
// the price of its tokens and the tokenizer that counts them.
var HostProviderAttrs = map[string]bool{"call_timeout": true, "max_reply_bytes": true, "price": true, "tokenizer": true}

// builtinActions are the hook action types served by kirofile itself.
var builtinActions = map[string]*hcl.BodySchema{
	"exec":           execActionSchema,
	"pr_description": prDescriptionSchema,
}
