import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC,
  GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK,
  GEN_AI_PROVIDER_NAME_VALUE_GROQ,
  GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI,
  GEN_AI_PROVIDER_NAME_VALUE_OPENAI,
  GEN_AI_PROVIDER_NAME_VALUE_PERPLEXITY,
  GEN_AI_PROVIDER_NAME_VALUE_X_AI,
} from '@opentelemetry/semantic-conventions/incubating';
import { describe, expect, it } from 'vitest';
import {
  GEN_AI_OPERATION_NAME,
  GEN_AI_PROVIDER_NAME,
  GEN_AI_REQUEST_MODEL,
  GEN_AI_RESPONSE_MODEL,
  GEN_AI_USAGE_INPUT_TOKENS,
  GEN_AI_USAGE_OUTPUT_TOKENS,
  genAiProviderName,
} from './otel-tracer.js';
import { createTracer, parseKeyValuePairs, tracingSettings } from './tracing.js';

describe('tracingSettings', () => {
  it('is off without an OTLP endpoint', async () => {
    expect(tracingSettings({})).toBeUndefined();
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ', OTEL_SERVICE_NAME: 'x' })).toBeUndefined();
    expect(await createTracer({ OTEL_SERVICE_NAME: 'x', OTEL_EXPORTER_OTLP_HEADERS: 'a=b' })).toBeUndefined();
  });

  it('appends /v1/traces to OTEL_EXPORTER_OTLP_ENDPOINT, and uses OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as it is', () => {
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })?.url).toBe('http://collector:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })?.url).toBe('http://collector:4318/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example.com/otlp' })?.url).toBe('https://otel.example.com/otlp/v1/traces');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/custom/path' })?.url).toBe('http://tempo:4318/custom/path');
    expect(tracingSettings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://tempo:4318/v1/traces' })?.url).toBe('http://tempo:4318/v1/traces');
  });

  it('names the service switchyard unless OTEL_SERVICE_NAME (or service.name in OTEL_RESOURCE_ATTRIBUTES) says otherwise', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' };
    expect(tracingSettings(endpoint)?.serviceName).toBe('switchyard');
    expect(tracingSettings({ ...endpoint, OTEL_SERVICE_NAME: 'gateway-eu' })?.serviceName).toBe('gateway-eu');
    const fromResource = tracingSettings({ ...endpoint, OTEL_RESOURCE_ATTRIBUTES: 'service.name=gw,deployment.environment.name=prod' });
    expect(fromResource?.serviceName).toBe('gw');
    expect(fromResource?.resourceAttributes).toEqual({ 'deployment.environment.name': 'prod' });
    expect(tracingSettings({ ...endpoint, OTEL_SERVICE_NAME: 'named', OTEL_RESOURCE_ATTRIBUTES: 'service.name=gw' })?.serviceName).toBe('named');
  });

  it('reads collector headers, the traces-only ones winning', () => {
    const settings = tracingSettings({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Basic%20abc, x-tenant=one',
      OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-tenant=two',
    });
    expect(settings?.headers).toEqual({ authorization: 'Basic abc', 'x-tenant': 'two' });
  });
});

describe('parseKeyValuePairs', () => {
  it('skips malformed pairs and keeps undecodable values as they are', () => {
    expect(parseKeyValuePairs(undefined)).toEqual({});
    expect(parseKeyValuePairs('a=1,,=2,b,c= x%3Dy ,d=%E0%A4%A')).toEqual({ a: '1', c: 'x=y', d: '%E0%A4%A' });
  });
});

describe('GenAI semantic conventions', () => {
  it('uses the names of the installed @opentelemetry/semantic-conventions', () => {
    expect(GEN_AI_OPERATION_NAME).toBe(ATTR_GEN_AI_OPERATION_NAME);
    expect(GEN_AI_PROVIDER_NAME).toBe(ATTR_GEN_AI_PROVIDER_NAME);
    expect(GEN_AI_REQUEST_MODEL).toBe(ATTR_GEN_AI_REQUEST_MODEL);
    expect(GEN_AI_RESPONSE_MODEL).toBe(ATTR_GEN_AI_RESPONSE_MODEL);
    expect(GEN_AI_USAGE_INPUT_TOKENS).toBe(ATTR_GEN_AI_USAGE_INPUT_TOKENS);
    expect(GEN_AI_USAGE_OUTPUT_TOKENS).toBe(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS);
  });

  it('maps provider types to the well-known gen_ai.provider.name values', () => {
    expect(genAiProviderName('openai')).toBe(GEN_AI_PROVIDER_NAME_VALUE_OPENAI);
    expect(genAiProviderName('anthropic')).toBe(GEN_AI_PROVIDER_NAME_VALUE_ANTHROPIC);
    expect(genAiProviderName('groq')).toBe(GEN_AI_PROVIDER_NAME_VALUE_GROQ);
    expect(genAiProviderName('deepseek')).toBe(GEN_AI_PROVIDER_NAME_VALUE_DEEPSEEK);
    expect(genAiProviderName('perplexity')).toBe(GEN_AI_PROVIDER_NAME_VALUE_PERPLEXITY);
    expect(genAiProviderName('mistral')).toBe(GEN_AI_PROVIDER_NAME_VALUE_MISTRAL_AI);
    expect(genAiProviderName('xai')).toBe(GEN_AI_PROVIDER_NAME_VALUE_X_AI);
    expect(genAiProviderName('ollama')).toBe('ollama');
  });
});
