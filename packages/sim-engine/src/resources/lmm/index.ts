/** The max-min fair sharing system (SimGrid's LMM), incremental. */
export { Constraint, Variable, InvalidLmmArgumentError, type Element } from './elements.js'
export { MaxMinSystem } from './max-min-system.js'
