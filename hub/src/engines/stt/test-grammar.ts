/** A small command grammar for tests and benchmarks (the hub's intents module generates the real one). */
export const TEST_GRAMMAR = `#JSGF V1.0;
grammar jarvis;
public <command> = <onoff> | <time>;
<onoff> = turn (on | off) [the] <device> [in the <room>] | turn [the] <device> (on | off) [in the <room>];
<device> = light | kitchen light | lamp | fan | heater | bedroom light;
<room> = kitchen | bedroom | living room;
<time> = what time is it | what is the time;
`;

/** Commands the grammar covers. */
export const TEST_COMMANDS = [
  'turn on the kitchen light',
  'turn off the fan',
  'what time is it',
  'turn the lamp on in the bedroom',
  'turn off the heater in the living room',
  'what is the time',
  'turn on the light in the kitchen',
  'turn the bedroom light off',
  'turn the heater on',
  'turn off the lamp in the living room',
] as const;

/** Phrases outside the grammar. */
export const OUT_OF_GRAMMAR = [
  'tell me a joke',
  'what is the weather like tomorrow',
  'play some music please',
  'how are you today',
  'set a timer for ten minutes',
  'what is the capital of france',
  'remind me to buy milk',
  'turn on the television',
] as const;
